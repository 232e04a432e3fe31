import { expect, test } from "@playwright/test";
import { AGENT, LEAD, PASSWORD, escalateToEngineering, pageFor, receivedMails, signIn, uniqueSubject, unreadCount } from "./helpers";

/** The survey link in the e-mail to `address` about ticket `id` (its text part is quoted-printable). */
function surveyLinkIn(address: string, id: number): string | undefined {
  for (const raw of receivedMails()) {
    const mail = raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    if (!mail.includes(address) || !mail.includes(`#${id}`) || !mail.includes("Rate our support")) continue;
    const match = /https?:\/\/[^\s"<>]+\/survey\/[0-9a-f.]+/.exec(mail);
    if (match) return match[0];
  }
  return undefined;
}

// A resolution e-mails the requester a survey link; the customer answers it without JavaScript
// and without signing in; the link then says it was answered; the lead of a tier that held the
// ticket is alerted and sees the review arrive live; the feedback report lists the answer under
// the ticket's escalation path.
test("a customer answers the survey from the resolution e-mail and a low score reaches the lead", async ({ browser }) => {
  // A customer of their own, so no earlier survey (at most one a week) stands in the way.
  const email = `survey.${Date.now().toString(36)}@acme.example`;
  const admin = await pageFor(browser, true, "admin@tierline.example");
  await admin.goto("/admin/people");
  await admin.getByLabel("Name", { exact: true }).fill("Sol Survey");
  await admin.getByLabel("E-mail", { exact: true }).fill(email);
  await admin.getByLabel("Role", { exact: true }).selectOption("customer");
  await admin.getByLabel("Organisation (customers)").selectOption({ label: "Acme Logistics" });
  await admin.getByLabel("Initial password").fill(PASSWORD);
  await admin.getByRole("button", { name: "Add person" }).click();
  await expect(admin.getByRole("cell", { name: email })).toBeVisible();

  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  await signIn(customer, email);
  const subject = uniqueSubject("Survey label printer");
  await customer.goto("/portal/new");
  await customer.getByLabel("Subject").fill(subject);
  await customer.getByLabel("Description").fill("The label printer in bay 4 prints blank labels.");
  await customer.getByRole("button", { name: "Open ticket" }).click();
  await expect(customer.getByRole("heading", { level: 1 })).toContainText(subject);
  const id = Number(/\/tickets\/(\d+)/.exec(customer.url())![1]);

  // The lead watches the reviews and their notifications.
  const lead = await pageFor(browser, true, LEAD);
  await lead.goto("/reviews");
  await expect(lead.locator("body")).toHaveAttribute("data-live", "open");
  const unreadBefore = await unreadCount(lead);

  // An agent escalates it to L3 by hand, then resolves it.
  const sam = await pageFor(browser, true, AGENT);
  await sam.goto(`/tickets/${id}`);
  await escalateToEngineering(sam, {
    summary: "Blank labels from the bay 4 printer since this morning.",
    tried: "Replaced the ribbon and restarted the print server.",
    impact: "Bay 4 cannot ship parcels.",
    ask: "Check the label template service.",
  });
  await expect(sam.locator(".timeline li.escalation").last()).toContainText("L3 Engineering");
  await sam.getByLabel("Status", { exact: true }).selectOption("resolved");
  await sam.getByRole("button", { name: "Save changes" }).click();
  await expect(sam.locator(".timeline")).toContainText(/changed the status from \w+ to Resolved/);

  // The resolution e-mail carries the survey link.
  await expect.poll(() => surveyLinkIn(email, id), { timeout: 30_000 }).toBeDefined();
  const link = new URL(surveyLinkIn(email, id)!);

  // The customer answers without JavaScript and without signing in.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const form = await noScript.newPage();
  const opened = await form.goto(link.pathname);
  expect(opened?.status()).toBe(200);
  await expect(form.getByRole("heading", { level: 1 })).toHaveText("How did we do?");
  await expect(form.getByText(subject)).toBeVisible();
  await expect(form.getByText(`Acme Logistics · Request #${id}`)).toBeVisible();
  await expect(form.locator("body")).not.toContainText("L3 Engineering");
  await form.getByRole("radio", { name: "2 Dissatisfied" }).check();
  await form.getByRole("radio", { name: "4", exact: true }).check();
  await form.getByLabel("Anything else you want to tell us?").fill("Two days without labels, nobody called us back.");
  await form.getByRole("button", { name: "Send my answer" }).click();
  await expect(form.getByRole("status")).toHaveText("This survey was already answered. Thank you!");
  await expect(form.locator(".survey-answer")).toContainText("2 of 5 — Dissatisfied");
  await expect(form.locator(".survey-answer")).toContainText("nobody called us back");

  // The same link says so from now on, with 409, and takes no second answer.
  const again = await form.goto(link.pathname);
  expect(again?.status()).toBe(409);
  await expect(form.getByText("This survey was already answered.")).toBeVisible();
  await expect(form.getByRole("button", { name: "Send my answer" })).toHaveCount(0);

  // The lead is alerted and the review appears on the open page without a reload.
  await expect(lead.locator("article.review", { hasText: subject })).toBeVisible({ timeout: 15_000 });
  await expect(lead.locator("article.review", { hasText: subject })).toContainText("nobody called us back");
  await expect.poll(() => unreadCount(lead), { timeout: 15_000 }).toBeGreaterThan(unreadBefore);

  // The lead takes the review on.
  const review = lead.locator("article.review", { hasText: subject });
  await review.getByLabel("Owner").selectOption({ label: "Lena Fischer" });
  await review.getByLabel("Status").selectOption("discussed");
  await review.getByLabel("Notes").fill("Talked it through in the morning huddle.");
  await review.getByRole("button", { name: "Save review" }).click();
  await expect(lead.locator("article.review", { hasText: subject })).toContainText("Last saved by Lena Fischer");

  // The feedback report lists the answer under the ticket's escalation path.
  await lead.goto("/reports/feedback");
  const answer = lead.locator("#answers tr", { hasText: `#${id}` });
  await expect(answer).toContainText("2 of 5 — Dissatisfied");
  await expect(answer).toContainText("L3 Engineering");
  const path = (await answer.locator("td").last().textContent())!.trim();
  await expect(lead.locator("section", { hasText: "By escalation path" }).getByRole("link", { name: path })).toBeVisible();

  // The ticket page shows staff the answer.
  await sam.reload();
  await expect(sam.getByRole("region", { name: "Satisfaction survey" })).toContainText("2 of 5 — Dissatisfied");
});
