import { expect, test } from "@playwright/test";
import { pageFor, uniqueSubject } from "./helpers";

/** The sections of the administration, in the side navigation's order, with their headings. */
const SECTIONS = [
  ["Organisations", "/admin/organisations", "Organisations and plans"],
  ["Tiers", "/admin/tiers", "Tiers"],
  ["Groups", "/admin/groups", "Groups, skills and members"],
  ["People", "/admin/people", "People and roles"],
  ["Categories", "/admin/categories", "Categories"],
  ["Calendars", "/admin/calendars", "Business calendars"],
  ["API tokens", "/admin/tokens", "API tokens"],
  ["Deliveries", "/admin/deliveries", "Deliveries"],
] as const;

// Each setting has a page of its own, reached from the side navigation, which marks where the
// admin is.
test("every admin section has its own page, and the side navigation marks the current one @nojs", async ({ browser, javaScriptEnabled }) => {
  const admin = await pageFor(browser, javaScriptEnabled ?? true, "admin@tierline.example");
  await admin.goto("/admin");
  const sideNavigation = admin.getByRole("navigation", { name: "Administration" });
  await expect(sideNavigation.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
  for (const [label, path] of SECTIONS) {
    await expect(admin.locator(".admin-overview").getByRole("link", { name: label, exact: true })).toHaveAttribute("href", path);
  }
  for (const [label, path, heading] of SECTIONS) {
    await sideNavigation.getByRole("link", { name: label, exact: true }).click();
    await expect(admin).toHaveURL(new RegExp(`${path}$`));
    await expect(admin.getByRole("heading", { level: 1 })).toHaveText(heading);
    await expect(sideNavigation.locator("[aria-current='page']")).toHaveText(label);
  }
});

// An admin maintains the configuration: a calendar with a mistake is refused naming its line,
// a correct one is saved, and a new category becomes choosable for customers. Each form brings
// the admin back to its section, with or without JavaScript.
test("an admin adds a calendar and a category, and mistakes are refused by line @nojs", async ({ browser, javaScriptEnabled }) => {
  const js = javaScriptEnabled ?? true;
  const admin = await pageFor(browser, js, "admin@tierline.example");
  await admin.goto("/admin/calendars");
  const name = uniqueSubject("Weekend cover");

  await admin.getByLabel("New calendar").fill(name);
  await admin.getByLabel("Definition").fill('timezone = "Europe/Berlin"\n[hours]\nsat = ["09:00-25:00"]\n');
  await admin.getByRole("button", { name: "Add calendar" }).click();
  await expect(admin.locator("#calendars").getByRole("alert")).toContainText("line 3");
  await expect(admin).toHaveURL(/\/admin\/calendars/);
  await expect(admin.locator("#calendars")).not.toContainText(name);

  await admin.getByLabel("New calendar").fill(name);
  await admin.getByLabel("Definition").fill('timezone = "Europe/Berlin"\n[hours]\nsat = ["09:00-13:00"]\n');
  await admin.getByRole("button", { name: "Add calendar" }).click();
  await expect(admin.locator("#calendars")).toContainText(name);
  await expect(admin).toHaveURL(/\/admin\/calendars/);

  await admin.goto("/admin/categories");
  const category = uniqueSubject("Warranty");
  await admin.getByLabel("New category").fill(category);
  await admin.getByRole("button", { name: "Add category" }).click();
  await expect(admin.locator("#categories")).toContainText(category);
  await expect(admin).toHaveURL(/\/admin\/categories/);

  const customer = await pageFor(browser, js, "carla@acme.example");
  await customer.goto("/portal/new");
  await expect(customer.getByLabel("Category").locator("option", { hasText: category })).toHaveCount(1);
});
