import { expect, test } from "@playwright/test";
import { AGENT, CUSTOMER, escalateToEngineering, openTicketAsCustomer, pageFor, uniqueSubject } from "./helpers";

const MANAGER = "maria.manager@tierline.example";

// The huddle reads as plain HTML and prints as its table alone.
test("the huddle lists open escalations and prints as one table @nojs", async ({ browser, javaScriptEnabled }) => {
  const manager = await pageFor(browser, javaScriptEnabled, MANAGER);
  await manager.goto("/huddle?tier=all");
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Huddle");
  await expect(manager.locator("table.huddle tbody tr").first()).toBeVisible();
  await manager.emulateMedia({ media: "print" });
  await expect(manager.locator(".topbar")).toBeHidden();
  await expect(manager.locator("table.huddle")).toBeVisible();
});

// A manager marks the huddle held: nothing is new any more; an escalation by hand afterwards
// appears marked new without a reload.
test("after a huddle is marked held, a new escalation appears marked new", async ({ browser }) => {
  const manager = await pageFor(browser, true, MANAGER);
  await manager.goto("/huddle?tier=all");
  await expect(manager.locator("body")).toHaveAttribute("data-live", "open");
  await manager.getByRole("button", { name: "Mark this huddle held" }).click();
  await expect(manager.getByText(/last huddle by Maria Okafor/)).toBeVisible();
  await expect(manager.locator("tr.huddle-new")).toHaveCount(0);

  const customer = await pageFor(browser, true, CUSTOMER);
  const subject = uniqueSubject("Huddle forklift terminal");
  const id = await openTicketAsCustomer(customer, subject, "The forklift terminal reboots every ten minutes.");
  const agent = await pageFor(browser, true, AGENT);
  await agent.goto(`/tickets/${id}`);
  await escalateToEngineering(agent, {
    summary: "Forklift terminals reboot every ten minutes.",
    tried: "Swapped the power supply.",
    impact: "The warehouse cannot move pallets.",
    ask: "Check the terminal firmware.",
  });

  const row = manager.locator("tr.huddle-new", { hasText: `#${id}` });
  await expect(row).toBeVisible();
  await expect(row).toContainText("New");
  await expect(row).toContainText("Forklift terminals reboot every ten minutes.");
  await expect(row).toContainText("not acknowledged");
});
