import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests: the real server (e2e/global-setup.ts starts it on a free
 * port over a fresh data directory) driven by Debian's Chromium. Run by
 * `npm test` through scripts/test.mjs, or alone with `npm run test:e2e`.
 */
export const CHROMIUM = "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  // One browser and one server at a time: specs boot real UML guests on a
  // small machine, and share the server global setup starts.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  globalSetup: "./e2e/global-setup.ts",
  // Traces, screenshots and the server's log; .umlab/ is gitignored. Emptied
  // at the start of every run.
  outputDir: ".umlab/e2e-results",
  // `list` only: nothing writes an HTML report or opens anything. scripts/test.mjs
  // asks for a JSON summary as well (UMLAB_E2E_JSON) to count results.
  reporter: [["list"], ...(process.env.UMLAB_E2E_JSON ? ([["json", { outputFile: process.env.UMLAB_E2E_JSON }]] as const) : [])],
  use: {
    // Set by global setup, which runs before the workers load this file.
    baseURL: process.env.UMLAB_E2E_URL,
    // Signed in as the admin global setup made (a spec that needs nobody signed in makes a fresh context).
    storageState: process.env.UMLAB_E2E_STATE,
    headless: true,
    viewport: { width: 1440, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
    // Never a downloaded browser: the Debian package `chromium` (global setup
    // fails the run, naming the package, when it is missing). Playwright
    // gives each launch a fresh profile (a new playwright_chromiumdev_profile-*
    // under the temp dir, removed on close).
    launchOptions: {
      executablePath: CHROMIUM,
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
    },
  },
  projects: [{ name: "chromium" }],
});
