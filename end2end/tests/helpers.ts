import { expect, type Browser, type Page } from "@playwright/test";

export const PASSWORD = "tierline-demo";

export const CUSTOMER = "carla@acme.example";
export const AGENT = "sam.agent@tierline.example";
export const LEAD = "lena.lead@tierline.example";

/** Signs in through the login form and waits for the landing page. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** A fresh page in its own browser context, signed in as `email`, with the project's JavaScript setting. */
export async function pageFor(browser: Browser, javaScriptEnabled: boolean, email: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

/** A subject nobody else uses, so specs never see each other's tickets. */
export function uniqueSubject(what: string): string {
  return `${what} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Opens a ticket as the signed-in customer and returns its number. */
export async function openTicketAsCustomer(page: Page, subject: string, description: string): Promise<number> {
  await page.goto("/portal/new");
  await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("Description").fill(description);
  await page.getByLabel("Category").selectOption({ label: "Network & VPN" });
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  const match = /\/tickets\/(\d+)/.exec(page.url());
  expect(match, `the ticket page URL, got ${page.url()}`).not.toBeNull();
  return Number(match![1]);
}
