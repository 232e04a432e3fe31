import { expect, test, type Browser, type Page } from "@playwright/test";
import { AGENT, CUSTOMER, escalateToEngineering, followTicketLive, openTicketAsCustomer, signIn, uniqueSubject } from "./helpers";

// Two Tierline processes on one PostgreSQL database, as a deployment with several instances runs
// them: `.ci/e2e` starts them and names their addresses. What one instance commits reaches the
// pages another instance serves, live.
const first = process.env.TIERLINE_URL_FIRST;
const second = process.env.TIERLINE_URL_SECOND;

/** A page in its own browser context on one instance, signed in as `email`. */
async function signedInAt(browser: Browser, baseURL: string, email: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: true });
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

test.describe("two instances on one PostgreSQL database", () => {
  test.skip(!first || !second, "run by .ci/e2e against two instances on PostgreSQL");

  test("a note and an escalation through one instance appear on the other's open pages", async ({ browser }) => {
    const customer = await signedInAt(browser, first!, CUSTOMER);
    const subject = uniqueSubject("Two instances");
    const id = await openTicketAsCustomer(customer, subject, "The VPN drops every hour.");

    // Tom follows the ticket and his queue through the second instance.
    const tom = await signedInAt(browser, second!, "tom.engineer@tierline.example");
    const queue = await followTicketLive(tom, id, subject);

    // Sam works on it through the first.
    const sam = await signedInAt(browser, first!, AGENT);
    await sam.goto(`/tickets/${id}`);
    const note = `Rekey timer suspected for ${subject}.`;
    await sam.getByLabel("Reply or note").fill(note);
    await sam.getByLabel("Internal note").check();
    await sam.getByRole("button", { name: "Send" }).click();
    await expect(sam.locator(".timeline li.internal")).toContainText(note);
    await expect(tom.locator(".timeline li.internal")).toContainText(note, { timeout: 15_000 });

    await escalateToEngineering(sam, {
      summary: "The VPN drops hourly for every user of the site.",
      tried: "Restarted the concentrator.",
      impact: "The warehouse scanners lose their session.",
      ask: "Check the rekey timer on the concentrator.",
    });
    await expect(sam.locator(".timeline li.escalation").last()).toContainText("L3 Engineering");

    await expect(tom.locator(".timeline li.escalation").last()).toContainText("escalated the ticket to L3 Engineering", { timeout: 15_000 });
    await expect(tom.getByRole("region", { name: "Handoff note" })).toContainText("Check the rekey timer");
    await expect(queue.locator("tbody tr")).toContainText("L3 Engineering", { timeout: 15_000 });
  });
});
