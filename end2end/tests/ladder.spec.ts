import { expect, test } from "@playwright/test";
import { AGENT, CUSTOMER, escalateToEngineering, openTicketAsCustomer, pageFor, uniqueSubject, withPolicy } from "./helpers";

// L1 may hold a ticket 20 seconds and L3 40, around the clock: when L3's budget runs out the
// managers hear of it and nothing moves the ticket. A ticket that kept L1's level after a hand
// escalation would run on L1's 20 seconds and be "escalated" down to L2.
const SHORT_BUDGETS = `name = "Short budgets for the ladder test"
calendar = "Around the clock"

[[targets]]
first_response = "1h"
resolution = "8h"

[[ladder]]
holder = "L1 Service Desk"
budget = "20s"
on_breach = ["next_level"]

[[ladder]]
holder = "L2 Specialists"
budget = "8h"
on_breach = ["next_level"]

[[ladder]]
holder = "L3 Engineering"
budget = "40s"
on_breach = ["notify_manager"]
`;

// An agent escalates by hand from L1 to L3: the ticket page shows level 3 and L3's budget at
// once, and when that budget runs out the ticket stays at L3.
test("a ticket escalated by hand from L1 to L3 sits at level 3 on L3's budget and never goes down", async ({
  browser,
  javaScriptEnabled,
}) => {
  test.skip(javaScriptEnabled === false, "one run is enough: the engine does not depend on the browser");
  test.setTimeout(120_000);
  await withPolicy(browser, SHORT_BUDGETS, async () => {
    const customer = await pageFor(browser, true, CUSTOMER);
    const id = await openTicketAsCustomer(customer, uniqueSubject("Warehouse scanners offline"), "Since 08:00.");
    const sam = await pageFor(browser, true, AGENT);
    await sam.goto(`/tickets/${id}`);
    await expect(sam.locator(".timeline")).toContainText("Routed to ladder level 1");
    const attention = sam.getByRole("region", { name: "Attention" });
    await expect(attention).toContainText("Escalation level 1");
    await expect(attention.getByRole("button", { name: "Acknowledge escalation" })).toHaveCount(0);

    await escalateToEngineering(sam, {
      summary: "Every scanner in the warehouse lost its session at 08:00.",
      tried: "Restarted the scanners and the access points.",
      impact: "Goods cannot be booked in.",
      ask: "Find out why the sessions drop.",
    });
    await expect(sam.locator(".timeline")).toContainText(/escalated the ticket to L3 Engineering[^\n]*\(level 3\)/);
    await expect(attention).toContainText("Escalation level 3");
    const clocks = sam.getByRole("region", { name: "Clocks" });
    await expect(clocks).toContainText("Tier budget (L3 Engineering)");
    await clocks.locator("summary", { hasText: "Why" }).last().click();
    await expect(clocks).toContainText("ladder level 3 (L3 Engineering)");

    // L3's forty seconds run out; L1's twenty would have passed first.
    await expect(sam.locator(".timeline")).toContainText("Tier budget target breached", { timeout: 60_000 });
    await sam.reload();
    await expect(sam.locator(".timeline")).not.toContainText("to L2 Specialists");
    await expect(sam.getByRole("region", { name: "Attention" })).toContainText("Escalation level 3");
  });
});
