import { expect, test } from "@playwright/test";
import { AGENT, signIn } from "./helpers";

// The WASM bundle loads and hydrates under Tierline's strict Content-Security-Policy, and no page
// of the main journeys logs an error or a policy violation.
test("pages hydrate under the content security policy without console errors", async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled === false, "hydration needs JavaScript");
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));

  const response = await page.goto("/login");
  expect(response?.headers()["content-security-policy"]).toContain("'nonce-");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await signIn(page, AGENT);
  for (const path of ["/queue", "/tickets/1", "/tickets/new"]) {
    await page.goto(path);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }
  expect(problems).toEqual([]);
});
