import { expect, test } from "@playwright/test";
import { AGENT, CUSTOMER, openTicketAsCustomer, pageFor, uniqueSubject } from "./helpers";

// An agent escalates by hand with a structured handoff note; the receiving tier sees it first.
test("an agent escalates with a handoff note that the receiving tier sees first @nojs", async ({ browser, javaScriptEnabled }) => {
  const js = javaScriptEnabled ?? true;
  const customer = await pageFor(browser, js, CUSTOMER);
  const id = await openTicketAsCustomer(customer, uniqueSubject("Tunnel flaps"), "The site-to-site tunnel flaps.");

  const sam = await pageFor(browser, js, AGENT);
  await sam.goto(`/tickets/${id}`);
  // Opening the <details> works with and without JavaScript.
  await sam.locator("details summary", { hasText: "Escalate" }).click();
  await sam.getByLabel("To tier").selectOption({ label: "L3 Engineering" });
  await sam.getByLabel("Group", { exact: true }).last().selectOption({ label: "Engineering (L3 Engineering) — api, engineering" });
  await sam.getByLabel("Summary").fill("Short");
  await sam.getByLabel("What was tried").fill("Restarted the tunnel twice; rekey timer at 3600 s.");
  await sam.getByLabel("Customer impact").fill("Warehouse scanners drop every hour.");
  await sam.getByLabel("What the next tier should do").fill("Check the concentrator rekey settings.");
  await sam.getByRole("button", { name: "Escalate with this handoff" }).click();
  // A handoff part that is too short is refused, naming the field; nothing moves.
  await expect(sam.locator("#summary-error")).toContainText("at least 10 characters");

  // The form stays open after a refusal, with or without JavaScript.
  await expect(sam.getByLabel("Summary")).toBeVisible();
  await sam.getByLabel("To tier").selectOption({ label: "L3 Engineering" });
  await sam.getByLabel("Group", { exact: true }).last().selectOption({ label: "Engineering (L3 Engineering) — api, engineering" });
  await sam.getByLabel("Summary").fill("Site-to-site VPN at the Hamburg warehouse drops hourly.");
  await sam.getByLabel("What was tried").fill("Restarted the tunnel twice; rekey timer at 3600 s.");
  await sam.getByLabel("Customer impact").fill("Warehouse scanners drop every hour.");
  await sam.getByLabel("What the next tier should do").fill("Check the concentrator rekey settings.");
  await sam.getByRole("button", { name: "Escalate with this handoff" }).click();
  await expect(sam.locator(".timeline li.escalation").last()).toContainText("escalated the ticket to L3 Engineering · Engineering");

  // The policy routed the enterprise VPN ticket to L2 Network; Sam sends it on to engineering.
  const nina = await pageFor(browser, js, "tom.engineer@tierline.example");
  await nina.goto(`/tickets/${id}`);
  const handoff = nina.getByRole("region", { name: "Handoff note" });
  await expect(handoff).toContainText("Handoff from Sam Patel");
  await expect(handoff).toContainText("Check the concentrator rekey settings.");
  // The handoff comes before the timeline on the page.
  const handoffBox = await handoff.boundingBox();
  const timelineBox = await nina.getByRole("region", { name: "Timeline" }).boundingBox();
  expect(handoffBox!.y).toBeLessThan(timelineBox!.y);

  // The customer never sees the internal handoff.
  await customer.goto(`/tickets/${id}`);
  await expect(customer.locator("body")).not.toContainText("rekey settings");
});
