import { expect, test, type Browser, type Page } from "@playwright/test";
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
  await expect(manager.locator("figure.chart svg")).toHaveCount(3);
  await expect(manager.getByRole("img", { name: "Opened and resolved per day" })).toBeVisible();

  // The fullest bar of "open per tier" lists the tickets it counts. (Which tier holds the most
  // depends on what the specs before this one changed: their policies move tickets up the ladder.)
  const openChart = manager.getByRole("img", { name: "Open tickets per tier at the end of each day" });
  let counted = 0;
  let href = "";
  for (const bar of await openChart.locator("a").all()) {
    const value = Number((await bar.locator("title").textContent())!.split(": ").pop());
    if (value > counted) {
      counted = value;
      href = (await bar.getAttribute("href"))!;
    }
  }
  expect(counted).toBeGreaterThan(0);
  await manager.goto(href);
  await expect(manager.locator(".drill-down")).toContainText("open at the end of");
  await expect(manager.getByText(`${counted} tickets`, { exact: true })).toBeVisible();
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

/**
 * Under `policy`, a customer opens a ticket nobody works; the tile `label` of the list `list` on
 * the manager's dashboard counts it without a reload once time alone has changed its standing,
 * and drills down to it; `check` then looks at the drilled-down queue.
 */
async function tileMovesByItself(
  browser: Browser,
  policy: string,
  settleMs: number,
  list: string,
  label: string,
  check: (queue: Page, id: number) => Promise<void>,
): Promise<void> {
  await withPolicy(browser, policy, async (manager) => {
    // Every ticket opened before (the demo's, earlier tests') changes standing within `settleMs`
    // under these policies; count once they have, so the tile's next move is this test's ticket.
    await manager.waitForTimeout(settleMs);
    await manager.goto("/dashboard?period=today&tier=all");
    await expect(manager.locator("body")).toHaveAttribute("data-live", "open");
    const before = await figureOf(manager, list, label);

    const customer = await pageFor(browser, true, CUSTOMER);
    const id = await openTicketAsCustomer(customer, uniqueSubject("Dashboard by itself"), "The label printer is silent.");
    await expect(tile(manager, list, label).locator(".tile-figure")).toHaveText(String(before + 1), { timeout: 60_000 });
    await tile(manager, list, label).getByRole("link").click();
    await expect(manager.locator("tbody")).toContainText(`#${id}`);
    await check(manager, id);
  });
}

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
  await tileMovesByItself(browser, STALLING_POLICY, 12_000, "Escalations and checkpoints", "Stalled in their tier", async (queue, id) => {
    await expect(queue.locator("tbody tr", { hasText: `#${id}` }).locator(".badge.stalled")).toBeVisible();
  });
});

// Around the clock, a first answer is due twenty seconds after a ticket is opened; no tier budget,
// so nothing else moves the ticket meanwhile.
const QUICK_BREACH_POLICY = `name = "Quick breaches for the browser test"
calendar = "Around the clock"

[[targets]]
first_response = "20s"
resolution = "8h"

[[ladder]]
holder = "L1 Service Desk"
`;

// Nobody answers a new ticket: when its first-response target passes, the engine's stored
// standing says so at that instant and the manager's "overdue" tile moves without a reload.
test("a missed first-response target appears overdue on the manager's dashboard by itself", async ({ browser, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled === false, "live figures need JavaScript");
  test.setTimeout(120_000);
  await tileMovesByItself(browser, QUICK_BREACH_POLICY, 22_000, "Open tickets with a clock overdue", "First response", async (queue) => {
    await expect(queue).toHaveURL(/\/queue\?.*risk=breached/);
  });
});
