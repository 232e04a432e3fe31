import { expect, test, type Page } from "@playwright/test";
import {
  AGENT,
  CUSTOMER,
  escalateToEngineering,
  openTicketAsCustomer,
  pageFor,
  uniqueSubject,
  withPolicy,
} from "./helpers";

const MANAGER = "maria.manager@tierline.example";

/** The tile called `label` in the tile list called `list`. */
function tile(page: Page, list: string, label: string) {
  return page.getByRole("list", { name: list }).locator("li").filter({ has: page.locator(".tile-label", { hasText: label }) });
}

/** The number on a tile. */
async function figureOf(page: Page, list: string, label: string): Promise<number> {
  return Number(await tile(page, list, label).locator(".tile-figure").textContent());
}

// Leads and managers land on the dashboard; its numbers and charts are plain HTML.
test("a manager lands on the dashboard, whose figures and charts read without JavaScript @nojs", async ({ browser, javaScriptEnabled }) => {
  const manager = await pageFor(browser, javaScriptEnabled, MANAGER);
  await expect(manager).toHaveURL(/\/dashboard$/);
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Dashboard");
  await expect(manager.getByRole("list", { name: "Open tickets per tier" }).locator(".tile-figure").first()).toHaveText(/^\d+$/);
  await expect(manager.locator("figure.chart svg")).toHaveCount(2);
  await expect(manager.getByRole("img", { name: "Opened and resolved per day" })).toBeVisible();
});

// A tile's number is the number of tickets its link lists, and an escalation by hand moves the
// manager's figure without a reload.
test("an escalation by hand moves the manager's tile live, and the tile drills down to its tickets", async ({ browser }) => {
  const manager = await pageFor(browser, true, MANAGER);
  await manager.goto("/dashboard?period=today&tier=all");
  await expect(manager.locator("body")).toHaveAttribute("data-live", "open");
  const list = "Tickets in the period";
  const before = await figureOf(manager, list, "Escalated by hand");

  const customer = await pageFor(browser, true, CUSTOMER);
  const id = await openTicketAsCustomer(customer, uniqueSubject("Dashboard scanner"), "The dock scanner rejects every barcode.");
  const agent = await pageFor(browser, true, AGENT);
  await agent.goto(`/tickets/${id}`);
  await escalateToEngineering(agent, {
    summary: "Every barcode is rejected at the dock.",
    tried: "Re-paired the scanner and rebooted the handheld.",
    impact: "Inbound goods cannot be booked.",
    ask: "Check the barcode service.",
  });

  await expect(tile(manager, list, "Escalated by hand").locator(".tile-figure")).toHaveText(String(before + 1));
  const shown = await figureOf(manager, list, "Escalated by hand");
  await tile(manager, list, "Escalated by hand").getByRole("link").click();
  await expect(manager).toHaveURL(/\/queue\?.*event=escalated_by_hand/);
  await expect(manager.locator(".drill-down")).toContainText("escalated by hand");
  await expect(manager.getByText(`${shown} tickets`, { exact: true })).toBeVisible();
  await expect(manager.locator("tbody tr")).toHaveCount(Math.min(shown, 25));
  await expect(manager.locator("tbody")).toContainText(`#${id}`);
});

// Around the clock, level 1 stalls a ticket ten seconds after anyone last did something with it.
const STALLING_POLICY = `name = "Quick stalls for the browser test"
calendar = "Around the clock"

[[targets]]
resolution = "8h"

[[ladder]]
holder = "L1 Service Desk"
stall_after = "10s"
`;

// Nobody works a new ticket: when it stalls, the engine says so and the manager's tile moves
// without a reload.
test("a ticket nobody works appears stalled on the manager's dashboard by itself", async ({ browser, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled === false, "live figures need JavaScript");
  test.setTimeout(120_000);
  await withPolicy(browser, STALLING_POLICY, async (manager) => {
    const list = "Escalations and checkpoints";
    // The tickets already at level 1 stall at once under this policy; count once they have.
    await manager.waitForTimeout(3_000);
    await manager.goto("/dashboard?period=today&tier=all");
    await expect(manager.locator("body")).toHaveAttribute("data-live", "open");
    const before = await figureOf(manager, list, "Stalled in their tier");

    const customer = await pageFor(browser, true, CUSTOMER);
    const id = await openTicketAsCustomer(customer, uniqueSubject("Dashboard stall"), "The label printer is silent.");
    await expect(tile(manager, list, "Stalled in their tier").locator(".tile-figure")).toHaveText(String(before + 1), {
      timeout: 60_000,
    });
    await tile(manager, list, "Stalled in their tier").getByRole("link").click();
    await expect(manager.locator("tbody")).toContainText(`#${id}`);
    await expect(manager.locator("tbody tr", { hasText: `#${id}` }).locator(".badge.stalled")).toBeVisible();
  });
});
