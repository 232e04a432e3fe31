import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

/** Collects the console errors and uncaught exceptions (a hydration panic among them) of `page`. */
function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  return problems;
}

// The WASM bundle loads and hydrates under Tierline's strict Content-Security-Policy.
test("the sign-in page hydrates under the content security policy", async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled === false, "hydration needs JavaScript");
  const problems = problemsOf(page);
  const response = await page.goto("/login");
  expect(response?.headers()["content-security-policy"]).toContain("'nonce-");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  expect(problems).toEqual([]);
});

// Every page of the navigation, for every role (for admins every section of the administration
// too), plus the notification centre, the account page and a ticket page: each hydrates and logs no error, so a mismatch between the server's HTML and
// the browser's view is caught here rather than by a user facing a dead page.
for (const [role, email, list] of [
  ["customer", "carla@acme.example", "/portal"],
  ["agent", "sam.agent@tierline.example", "/queue"],
  ["lead", "lena.lead@tierline.example", "/queue"],
  ["manager", "maria.manager@tierline.example", "/queue"],
  ["admin", "admin@tierline.example", "/queue"],
] as const) {
  test(`every page the ${role} can reach hydrates without console errors`, async ({ page, javaScriptEnabled }) => {
    test.skip(javaScriptEnabled === false, "hydration needs JavaScript");
    const problems = problemsOf(page);
    await signIn(page, email);
    const navigation = await page.locator("header nav a, header a").evaluateAll((links) =>
      links.map((link) => new URL((link as HTMLAnchorElement).href).pathname),
    );
    await page.goto(list);
    const ticket = await page.locator("a[href^='/tickets/']").evaluateAll((links) =>
      links.map((link) => new URL((link as HTMLAnchorElement).href).pathname).find((path) => /^\/tickets\/\d+$/.test(path)),
    );
    expect(ticket, `a ticket on ${list}`).toBeTruthy();
    // The administration's sections are reached from its own side navigation.
    const sections: string[] = [];
    if (navigation.includes("/admin")) {
      await page.goto("/admin");
      sections.push(
        ...(await page.getByRole("navigation", { name: "Administration" }).locator("a").evaluateAll((links) =>
          links.map((link) => new URL((link as HTMLAnchorElement).href).pathname),
        )),
      );
      expect(sections, "the admin's side navigation").toContain("/admin/calendars");
    }
    const paths = [...new Set([...navigation, ...sections, "/notifications", "/account", ticket!])];
    expect(paths).toContain(list);
    for (const path of paths) {
      await page.goto(path);
      // A page that never hydrates says why, if the browser said anything.
      await expect(page.locator("body"), `${path} hydrates for the ${role}`)
        .toHaveAttribute("data-hydrated", "true")
        .catch((error) => {
          throw new Error(`${error}\nconsole: ${problems.join("\n") || "nothing"}`);
        });
    }
    expect(problems).toEqual([]);
  });
}

/** The WASM files `page` fetches from now on: the bundle and, with the split build, its pieces. */
function wasmFetchedBy(page: Page): string[] {
  const fetched: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) fetched.push(path);
  });
  return fetched;
}

// The report pages' code comes in WASM pieces of their own (`cargo leptos build --split`): the
// queue's first load leaves it out, a link to the huddle loads the huddle's piece on the way, and
// a first load of the dashboard fetches its piece and hydrates.
test("the report pages' code is downloaded by those pages only", async ({ page, browser, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled === false, "hydration needs JavaScript");
  const problems = problemsOf(page);
  await signIn(page, "sam.agent@tierline.example");
  const fetched = wasmFetchedBy(page);
  await page.goto("/queue");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  expect(fetched, "the queue's first load fetches the bundle alone").toHaveLength(1);
  const bundle = fetched[0];
  await page.getByRole("link", { name: "Huddle", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Huddle" })).toBeVisible();
  await expect.poll(() => fetched.length, "the huddle's piece, loaded on the way").toBeGreaterThan(1);
  expect(problems).toEqual([]);

  const manager = await browser.newPage();
  const managerProblems = problemsOf(manager);
  const managerFetched = wasmFetchedBy(manager);
  await signIn(manager, "maria.manager@tierline.example");
  await manager.goto("/dashboard");
  await expect(manager.locator("body")).toHaveAttribute("data-hydrated", "true");
  expect(managerFetched, "the dashboard's first load fetches the bundle and its piece").toContain(bundle);
  expect(managerFetched.filter((path) => path !== bundle).length).toBeGreaterThan(0);
  expect(managerProblems).toEqual([]);
  await manager.close();
});
