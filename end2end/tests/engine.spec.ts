import { expect, test } from "@playwright/test";
import {
  AGENT,
  CUSTOMER,
  openTicketAsCustomer,
  pageFor,
  receivedWebhooks,
  savePolicy,
  signatureIsValid,
  uniqueSubject,
  withPolicy,
} from "./helpers";

// A policy whose first level may hold a ticket for 20 seconds around the clock, so the engine's
// deadline passes while the test watches; L2 hears of escalations in-app and the status page by
// its webhook.
const FAST_POLICY = `name = "Fast ladder for the browser test"
calendar = "Around the clock"

[[targets]]
first_response = "1h"
next_response = "2h"
resolution = "8h"

[[ladder]]
holder = "L1 Service Desk"
budget = "20s"
on_breach = ["next_level"]

[[ladder]]
holder = "L2 Specialists"
budget = "8h"

[[notify]]
events = ["escalated"]
to = ["tier"]
channels = ["in_app", "webhook:status-page"]
`;

// The engine escalates an untouched ticket to L2 when L1's budget runs out: the open pages of the
// agent and of an L2 member change without reload, L2 is notified, the status page's webhook
// arrives signed, and the ticket page explains its clocks.
test("an untouched ticket shows as escalated to L2 after its deadline, with its clocks explained", async ({
  browser,
  javaScriptEnabled,
}) => {
  test.skip(javaScriptEnabled === false, "one run is enough: the engine does not depend on the browser");
  test.setTimeout(120_000);
  await withPolicy(browser, FAST_POLICY, async (manager) => {
    await savePolicy(
      manager,
      'name = "Broken"\ncalendar = "Around the clock"\n[[ladder]]\nholder = "L1 Service Desk"\nbudget = "2x"\n',
      "A broken policy is refused",
    );
    await expect(manager.getByRole("alert")).toContainText("line 5: ladder level 1: budget");

    const customer = await pageFor(browser, true, CUSTOMER);
    const id = await openTicketAsCustomer(customer, uniqueSubject("Nobody answers"), "Please help.");
    const agent = await pageFor(browser, true, AGENT);
    await agent.goto(`/tickets/${id}`);
    await expect(agent.locator(".timeline")).toContainText("Routed to ladder level 1");

    // Nina (L2 Network) watches the queue filtered to this ticket.
    const nina = await pageFor(browser, true, "nina.agent@tierline.example");
    // By number ("#42"), so no subject that happens to contain the digits matches too.
    await nina.goto(`/queue?q=%23${id}`);
    await expect(nina.locator("body")).toHaveAttribute("data-live", "open");
    await expect(nina.locator("tbody tr")).toHaveCount(1);
    const unreadBefore = await nina.getByTestId("unread-count").count() === 0 ? 0 : Number(await nina.getByTestId("unread-count").textContent());

    // Nobody touches the ticket; after 20 seconds of L1's budget the engine moves it, and the
    // open pages show it by themselves.
    await expect(agent.locator(".timeline")).toContainText(/escalated the ticket to L2 Specialists[^\n]*\(level 2\)/, { timeout: 60_000 });
    await expect(nina.locator("tbody tr")).toContainText("L2 Specialists");
    await expect
      .poll(async () => Number((await nina.getByTestId("unread-count").textContent({ timeout: 1_000 }).catch(() => "0")) ?? "0"))
      .toBeGreaterThan(unreadBefore);
    await expect
      .poll(() => receivedWebhooks().filter((hook) => JSON.parse(hook.body).ticket?.id === id).length)
      .toBeGreaterThan(0);
    const hook = receivedWebhooks().find((hook) => JSON.parse(hook.body).ticket?.id === id)!;
    expect(JSON.parse(hook.body).kind).toBe("escalated");
    expect(signatureIsValid(hook.headers["tierline-signature"], hook.body)).toBe(true);
    expect(hook.headers["tierline-delivery"]).toBe(JSON.parse(hook.body).id);

    await expect(agent.locator(".timeline")).toContainText("Tier budget target breached");

    const clocks = agent.getByRole("region", { name: "Clocks" });
    await expect(clocks).toContainText("Tier budget (L2 Specialists)");
    await expect(clocks).toContainText("Running");
    await clocks.locator("summary", { hasText: "Why" }).last().click();
    await expect(clocks).toContainText("ladder level 2 (L2 Specialists)");
    await expect(clocks).toContainText("running");

    // In the queue the ticket counts down to its next breach, ticking in the browser.
    await agent.goto(`/queue?q=%23${id}`);
    const countdown = agent.locator("time.countdown").first();
    await expect(countdown).toHaveText(/^(next )?in /);
    const before = await countdown.innerText();
    await expect.poll(() => countdown.innerText(), { timeout: 5_000 }).not.toBe(before);
  });
});
