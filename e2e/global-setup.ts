import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FullConfig } from "@playwright/test";
import { signInAdmin } from "../scripts/lab-admin";
import { startLabServer } from "../scripts/lab-server";

/**
 * One real server for the whole run, as `npm start` serves it (production
 * build, samples offered on first start) but on a free port of 127.0.0.1 and
 * over a fresh temporary data directory (scripts/lab-server.ts). Tests reach
 * it through `baseURL` (UMLAB_E2E_URL, read by playwright.config.ts in the
 * workers, which start after this) and e2e/api.ts. Its output goes to
 * server.log in the output directory.
 *
 * The returned function is the global teardown: SIGTERM the server, wait for
 * it, then fail the run if any process still works in the data directory
 * (ending those by pid), and remove the directory.
 */
const ROOT = join(import.meta.dirname, "..");

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const chromium = config.projects[0]?.use.launchOptions?.executablePath ?? "/usr/bin/chromium";
  try {
    accessSync(chromium, constants.X_OK);
  } catch {
    throw new Error(
      `${chromium} is missing: the end-to-end tests run Debian's Chromium, never a downloaded browser.\n` +
        "Install the Debian package `chromium` (sudo apt-get install chromium), or run `npm test`, which provisions it.",
    );
  }

  const outputDir = config.projects[0]?.outputDir ?? join(ROOT, ".umlab", "e2e-results");
  mkdirSync(outputDir, { recursive: true });
  const server = await startLabServer({ samples: true, log: join(outputDir, "server.log"), name: "e2e" });
  process.env.UMLAB_E2E_URL = server.url;
  process.env.UMLAB_E2E_DATA = server.data;
  process.env.UMLAB_E2E_TOKEN = server.token;
  // Every spec's browser is signed in as the admin made here, with the setup
  // code as a person would (e2e/accounts.spec.ts does it through the pages).
  try {
    process.env.UMLAB_E2E_STATE = await signInAdmin(server, join(outputDir, "..", "e2e-admin-state.json"));
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server.stop;
}

