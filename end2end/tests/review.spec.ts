import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { pageFor } from "./helpers";

const MANAGER = "maria.manager@tierline.example";

/** The cells of a CSV line (RFC 4180: quoted cells may hold commas and doubled quotes). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === "," && !quoted) {
      out.push(cell);
      cell = "";
    } else {
      cell += c;
    }
  }
  out.push(cell);
  return out;
}

// The performance review's link downloads exactly the figures the page shows, as CSV.
test("the performance review downloads its figures as CSV", async ({ browser }) => {
  const manager = await pageFor(browser, true, MANAGER);
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  await manager.goto(`/reports/review?from=${monthAgo}&to=${today}`);
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Performance review");
  const tierRow = manager.getByRole("region", { name: "Per tier" }).locator("tbody tr").first();
  const name = (await tierRow.locator("th").textContent())!.trim();
  const handled = (await tierRow.locator("td").first().textContent())!.trim();

  const [download] = await Promise.all([
    manager.waitForEvent("download"),
    manager.getByRole("link", { name: "Download these figures as CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const lines = readFileSync((await download.path())!, "utf8").trimEnd().split(/\r\n/);
  expect(cells(lines[0]).slice(0, 3)).toEqual(["kind", "name", "handled"]);
  const row = lines.map(cells).find((cells) => cells[0] === "Tier" && cells[1] === name);
  expect(row, `a CSV row for the tier ${name}`).toBeDefined();
  expect(row![2]).toBe(handled);
  // One row per row of the page's three tables.
  await expect(manager.locator("table tbody tr")).toHaveCount(lines.length - 1);
});
