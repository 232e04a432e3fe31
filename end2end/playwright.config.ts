import { defineConfig } from "@playwright/test";

// The server is started by `.ci/e2e` (or by hand) before the tests; they only need its address.
const baseURL = process.env.TIERLINE_URL ?? "http://127.0.0.1:3000";

// Debian's Chromium, never a downloaded browser. The background-networking flags keep it from
// trying to reach the internet, which this machine cannot.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: { baseURL, launchOptions, trace: "off", screenshot: "only-on-failure" },
  projects: [
    // Every journey, hydrated.
    { name: "hydrated", use: { javaScriptEnabled: true } },
    // The journeys that must also work as plain HTML forms, tagged @nojs.
    { name: "no-javascript", grep: /@nojs/, use: { javaScriptEnabled: false } },
  ],
});
