import { expect, test } from "@playwright/test";
import { AGENT, CUSTOMER, openTicketAsCustomer, pageFor, uniqueSubject } from "./helpers";

// The foundation journey: a customer opens a ticket, an agent finds it, writes an internal note
// and a public reply, and the customer sees the reply but never the note.
test("a customer's ticket is worked by an agent and the customer sees only the public reply @nojs", async ({
  browser,
  javaScriptEnabled,
}) => {
  const js = javaScriptEnabled ?? true;
  const customer = await pageFor(browser, js, CUSTOMER);
  const subject = uniqueSubject("Scanner VPN drops");
  const id = await openTicketAsCustomer(customer, subject, "The handhelds lose the VPN every hour.");

  await customer.goto("/portal");
  await expect(customer.getByRole("link", { name: subject })).toBeVisible();

  const agent = await pageFor(browser, js, AGENT);
  await agent.goto(`/queue?q=${encodeURIComponent(subject)}`);
  await agent.getByRole("link", { name: subject }).click();
  await expect(agent.getByRole("heading", { level: 1 })).toContainText(`#${id}`);

  const note = `Checked the concentrator logs for ${subject}; looks like a rekey timer.`;
  await agent.getByLabel("Reply or note").fill(note);
  await agent.getByLabel("Internal note").check();
  await agent.getByRole("button", { name: "Send" }).click();
  await expect(agent.locator(".timeline li.internal")).toContainText(note);

  const reply = "We found a rekey timer problem and are fixing it today.";
  await agent.getByLabel("Reply or note").fill(reply);
  await agent.getByLabel("Public reply to the customer").check();
  await agent.getByRole("button", { name: "Send" }).click();
  await expect(agent.locator(".timeline")).toContainText(reply);
  // The first public reply opens a new ticket.
  await expect(agent.locator(".timeline")).toContainText("changed the status from New to Open");

  await customer.goto(`/tickets/${id}`);
  await expect(customer.locator(".timeline")).toContainText(reply);
  await expect(customer.locator("body")).not.toContainText(note);
  await expect(customer.locator(".timeline li.internal")).toHaveCount(0);
});

test("a customer cannot open another organisation's ticket @nojs", async ({ browser, javaScriptEnabled }) => {
  const js = javaScriptEnabled ?? true;
  const acme = await pageFor(browser, js, CUSTOMER);
  const id = await openTicketAsCustomer(acme, uniqueSubject("Private"), "Only Acme may read this.");
  const globex = await pageFor(browser, js, "dana@globex.example");
  const response = await globex.goto(`/tickets/${id}`);
  expect(response?.status()).toBe(404);
  await expect(globex.locator("body")).toContainText("Not found.");
  await expect(globex.locator("body")).not.toContainText("Only Acme may read this.");
});

test("a rejected form names the wrong field and opens nothing @nojs", async ({ browser, javaScriptEnabled }) => {
  const js = javaScriptEnabled ?? true;
  const customer = await pageFor(browser, js, CUSTOMER);
  await customer.goto("/portal/new");
  // Two letters pass the browser's own `required` check but not Tierline's three-letter minimum.
  await customer.getByLabel("Subject").fill("Hi");
  await customer.getByLabel("Description").fill("Something is off.");
  await customer.getByRole("button", { name: "Open ticket" }).click();
  await expect(customer.locator("#subject-error")).toContainText("at least 3 characters");
  expect(customer.url()).not.toMatch(/\/tickets\/\d+/);
});
