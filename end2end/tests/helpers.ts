import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/**
 * Opens ticket `id` on `page` and, in a second tab of the same browser, the queue filtered to its
 * subject, and waits until both have their live stream open. Returns the queue tab.
 */
export async function followTicketLive(page: Page, id: number, subject: string): Promise<Page> {
  await page.goto(`/tickets/${id}`);
  await expect(page.locator("body")).toHaveAttribute("data-live", "open");
  const queue = await page.context().newPage();
  await queue.goto(`/queue?q=${encodeURIComponent(subject)}`);
  await expect(queue.locator("body")).toHaveAttribute("data-live", "open");
  await expect(queue.locator("tbody tr")).toHaveCount(1);
  return queue;
}

/** The unread count in the header; 0 when the badge is not shown. */
export async function unreadCount(page: Page): Promise<number> {
  const badge = page.getByTestId("unread-count");
  return (await badge.count()) === 0 ? 0 : Number(await badge.textContent());
}

/** What an escalation's handoff note says. */
export interface Handoff {
  summary: string;
  tried: string;
  impact: string;
  ask: string;
}

/** Escalates the ticket open on `page` to the Engineering group of L3 with `handoff`. */
export async function escalateToEngineering(page: Page, handoff: Handoff): Promise<void> {
  await page.locator("details summary", { hasText: "Escalate" }).click();
  await page.getByLabel("To tier").selectOption({ label: "L3 Engineering" });
  await page.getByLabel("Group", { exact: true }).last().selectOption({ label: "Engineering (L3 Engineering) — api, engineering" });
  await page.getByLabel("Summary").fill(handoff.summary);
  await page.getByLabel("What was tried").fill(handoff.tried);
  await page.getByLabel("Customer impact").fill(handoff.impact);
  await page.getByLabel("What the next tier should do").fill(handoff.ask);
  await page.getByRole("button", { name: "Escalate with this handoff" }).click();
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

/** The e-mails the test SMTP server received (raw text), from the Maildir `.ci/e2e` set up. */
export function receivedMails(): string[] {
  const folder = process.env.TIERLINE_E2E_MAILDIR;
  if (!folder) throw new Error("TIERLINE_E2E_MAILDIR is not set: run the specs through .ci/e2e");
  const mails: string[] = [];
  for (const sub of ["new", "cur"]) {
    const path = join(folder, sub);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path)) mails.push(readFileSync(join(path, name), "utf8"));
  }
  return mails;
}

/** The webhook requests the test receiver recorded. */
export function receivedWebhooks(): { path: string; headers: Record<string, string>; body: string }[] {
  const file = process.env.TIERLINE_E2E_WEBHOOKS;
  if (!file) throw new Error("TIERLINE_E2E_WEBHOOKS is not set: run the specs through .ci/e2e");
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

/** Checks a `Tierline-Signature` header the way docs/webhooks.md tells receivers to. */
export function signatureIsValid(header: string, body: string): boolean {
  const secret = process.env.TIERLINE_E2E_WEBHOOK_SECRET ?? "";
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest("hex");
  return parts.v1 !== undefined && parts.v1.length === expected.length &&
    timingSafeEqual(Buffer.from(parts.v1), Buffer.from(expected));
}

/** Saves `source` as the policy in force on `manager`'s page. */
export async function savePolicy(manager: Page, source: string, comment: string): Promise<void> {
  await manager.goto("/policy");
  await manager.getByLabel("Policy (TOML)").fill(source);
  await manager.getByLabel("What changed and why").fill(comment);
  await manager.getByRole("button", { name: "Save and put in force" }).click();
}

/**
 * Puts `source` in force as a manager for the length of `body`, then puts the policy that was in
 * force back, whatever happened.
 */
export async function withPolicy(browser: Browser, source: string, body: (manager: Page) => Promise<void>): Promise<void> {
  const manager = await pageFor(browser, true, "maria.manager@tierline.example");
  await manager.goto("/policy");
  const original = await manager.getByLabel("Policy (TOML)").inputValue();
  const name = /^name = "(.*)"$/m.exec(source)![1];
  await savePolicy(manager, source, name);
  await expect(manager.getByRole("region", { name: "Policy document" })).toContainText(name);
  try {
    await body(manager);
  } finally {
    await savePolicy(manager, original, "Back to the standard policy");
    await expect(manager.getByRole("region", { name: "Policy document" })).toContainText("Standard support");
  }
}
