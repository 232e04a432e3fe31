import { expect, test, type Browser, type Page } from "@playwright/test";
import { AGENT, CUSTOMER, openTicketAsCustomer, signIn, uniqueSubject } from "./helpers";

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
    await tom.goto(`/tickets/${id}`);
    await expect(tom.locator("body")).toHaveAttribute("data-live", "open");
    const queue = await tom.context().newPage();
    await queue.goto(`/queue?q=${encodeURIComponent(subject)}`);
    await expect(queue.locator("body")).toHaveAttribute("data-live", "open");
    await expect(queue.locator("tbody tr")).toHaveCount(1);

    // Sam works on it through the first.
    const sam = await signedInAt(browser, first!, AGENT);
    await sam.goto(`/tickets/${id}`);
    const note = `Rekey timer suspected for ${subject}.`;
    await sam.getByLabel("Reply or note").fill(note);
    await sam.getByLabel("Internal note").check();
    await sam.getByRole("button", { name: "Send" }).click();
    await expect(sam.locator(".timeline li.internal")).toContainText(note);
    await expect(tom.locator(".timeline li.internal")).toContainText(note, { timeout: 15_000 });

    await sam.locator("details summary", { hasText: "Escalate" }).click();
    await sam.getByLabel("To tier").selectOption({ label: "L3 Engineering" });
    await sam.getByLabel("Group", { exact: true }).last().selectOption({ label: "Engineering (L3 Engineering) — api, engineering" });
    await sam.getByLabel("Summary").fill("The VPN drops hourly for every user of the site.");
    await sam.getByLabel("What was tried").fill("Restarted the concentrator.");
    await sam.getByLabel("Customer impact").fill("The warehouse scanners lose their session.");
    await sam.getByLabel("What the next tier should do").fill("Check the rekey timer on the concentrator.");
    await sam.getByRole("button", { name: "Escalate with this handoff" }).click();
    await expect(sam.locator(".timeline li.escalation").last()).toContainText("L3 Engineering");

    await expect(tom.locator(".timeline li.escalation").last()).toContainText("escalated the ticket to L3 Engineering", { timeout: 15_000 });
    await expect(tom.getByRole("region", { name: "Handoff note" })).toContainText("Check the rekey timer");
    await expect(queue.locator("tbody tr")).toContainText("L3 Engineering", { timeout: 15_000 });
  });
});
