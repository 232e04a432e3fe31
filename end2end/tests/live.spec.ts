import { expect, test } from "@playwright/test";
import {
  AGENT,
  CUSTOMER,
  escalateToEngineering,
  followTicketLive,
  openTicketAsCustomer,
  pageFor,
  receivedMails,
  uniqueSubject,
  unreadCount,
} from "./helpers";

// A hand escalation to agent B's group reaches B's open pages without a reload: the ticket page's
// timeline, the queue row and the notification count, through the tab's one live stream.
test("an escalation to another group shows up live on that group's open pages", async ({ browser }) => {
  const customer = await pageFor(browser, true, CUSTOMER);
  const subject = uniqueSubject("Live export stall");
  const id = await openTicketAsCustomer(customer, subject, "The export stalls at 40 %.");

  // Tom (L3 Engineering) has the ticket and the queue open in two tabs of one browser.
  const tom = await pageFor(browser, true, "tom.engineer@tierline.example");
  const queue = await followTicketLive(tom, id, subject);
  await expect(queue.locator("tbody tr")).not.toContainText("L3 Engineering");
  const before = await unreadCount(tom);

  // Sam escalates it by hand to Tom's group.
  const sam = await pageFor(browser, true, AGENT);
  await sam.goto(`/tickets/${id}`);
  await escalateToEngineering(sam, {
    summary: "The nightly export stalls at 40 % for every tenant.",
    tried: "Cleared the cache and re-ran the export twice.",
    impact: "Payroll cannot close the month.",
    ask: "Check the export service's queue.",
  });
  await expect(sam.locator(".timeline li.escalation").last()).toContainText("L3 Engineering");

  // Tom's pages change by themselves.
  await expect(tom.locator(".timeline li.escalation").last()).toContainText("escalated the ticket to L3 Engineering", { timeout: 15_000 });
  await expect(tom.getByRole("region", { name: "Handoff note" })).toContainText("Check the export service's queue.");
  await expect(queue.locator("tbody tr")).toContainText("L3 Engineering", { timeout: 15_000 });
  await expect.poll(() => unreadCount(tom), { timeout: 15_000 }).toBeGreaterThan(before);

  // The requester's escalation update arrived at the SMTP server, without internal detail.
  await expect
    .poll(() => receivedMails().filter((mail) => mail.includes("carla@acme.example") && mail.includes(`#${id}`)).length)
    .toBeGreaterThan(1);
  const update = receivedMails().filter((mail) => mail.includes("carla@acme.example") && mail.includes(`#${id}`));
  expect(update.join("\n")).not.toContain("export service's queue");

  // The notification centre lists it with a link to the ticket.
  await tom.goto("/notifications");
  const item = tom.locator("ul.notifications li", { hasText: `#${id}` }).first();
  await expect(item).toContainText("Ticket escalated");
  await expect(item.getByRole("link", { name: "Open ticket" })).toHaveAttribute("href", `/tickets/${id}`);
});
