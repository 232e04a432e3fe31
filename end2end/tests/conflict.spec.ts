import { expect, test } from "@playwright/test";
import { AGENT, CUSTOMER, LEAD, openTicketAsCustomer, pageFor, uniqueSubject } from "./helpers";

// Two agents edit the same ticket: the second one's save is refused with who changed what,
// and nothing of theirs is saved.
test("a second agent editing the same ticket gets the conflict message @nojs", async ({ browser, javaScriptEnabled }) => {
  const js = javaScriptEnabled ?? true;
  const customer = await pageFor(browser, js, CUSTOMER);
  const id = await openTicketAsCustomer(customer, uniqueSubject("Invoice twice"), "Charged twice in October.");

  const sam = await pageFor(browser, js, AGENT);
  const lena = await pageFor(browser, js, LEAD);
  await sam.goto(`/tickets/${id}`);
  await lena.goto(`/tickets/${id}`);
  if (js) {
    // Her page must be hydrated and following the ticket before she edits and Sam saves.
    await expect(lena.locator("body")).toHaveAttribute("data-live", "open");
  }

  // Lena begins an edit; Sam saves his first. Lena's unsaved choice is kept on her page.
  await lena.getByLabel("Status").selectOption("pending");
  await sam.getByLabel("Priority").selectOption("urgent");
  await sam.getByRole("button", { name: "Save changes" }).click();
  await expect(sam.locator(".timeline")).toContainText("changed the priority from Normal to Urgent");
  if (js) {
    // The live update reaches her page but does not throw her edit away.
    await expect(lena.getByRole("status")).toContainText("This ticket changed since you began editing");
    await expect(lena.getByLabel("Status")).toHaveValue("pending");
  }

  await lena.getByRole("button", { name: "Save changes" }).click();
  await expect(lena.getByRole("alert")).toContainText("Someone changed this ticket while you were editing it");
  await expect(lena.getByRole("alert")).toContainText("Sam Patel changed the priority from Normal to Urgent");

  await sam.goto(`/tickets/${id}`);
  await expect(sam.locator(".timeline")).not.toContainText("to Pending");
});
