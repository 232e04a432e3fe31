import { expect, test } from "@playwright/test";
import { pageFor, uniqueSubject } from "./helpers";

// An admin maintains the configuration: a calendar with a mistake is refused naming its line,
// a correct one is saved, and a new category becomes choosable for customers.
test("an admin adds a calendar and a category, and mistakes are refused by line @nojs", async ({ browser, javaScriptEnabled }) => {
  const js = javaScriptEnabled ?? true;
  const admin = await pageFor(browser, js, "admin@tierline.example");
  await admin.goto("/admin");
  const name = uniqueSubject("Weekend cover");

  await admin.getByLabel("New calendar").fill(name);
  await admin.getByLabel("Definition").fill('timezone = "Europe/Berlin"\n[hours]\nsat = ["09:00-25:00"]\n');
  await admin.getByRole("button", { name: "Add calendar" }).click();
  await expect(admin.locator("#calendars").getByRole("alert")).toContainText("line 3");
  await expect(admin.locator("#calendars")).not.toContainText(name);

  await admin.getByLabel("New calendar").fill(name);
  await admin.getByLabel("Definition").fill('timezone = "Europe/Berlin"\n[hours]\nsat = ["09:00-13:00"]\n');
  await admin.getByRole("button", { name: "Add calendar" }).click();
  await expect(admin.locator("#calendars")).toContainText(name);

  const category = uniqueSubject("Warranty");
  await admin.getByLabel("New category").fill(category);
  await admin.getByRole("button", { name: "Add category" }).click();
  await expect(admin.locator("#categories")).toContainText(category);

  const customer = await pageFor(browser, js, "carla@acme.example");
  await customer.goto("/portal/new");
  await expect(customer.getByLabel("Category").locator("option", { hasText: category })).toHaveCount(1);
});
