import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { request } from "@playwright/test";
import { join } from "node:path";
import type { FullConfig } from "@playwright/test";
import { startLabServer, type LabServer } from "../scripts/lab-server";

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
    process.env.UMLAB_E2E_STATE = await signInAdmin(server, outputDir);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server.stop;
}

export const E2E_ADMIN = { name: "Ada Admin", email: "admin@umlab.test", password: "correct horse battery" };

/** Makes the first admin with the setup code and saves its signed-in browser state; resolves with that file. */
async function signInAdmin(server: LabServer, outputDir: string): Promise<string> {
  const code = readFileSync(join(server.data, "setup-code"), "utf8").trim();
  const ctx = await request.newContext({ baseURL: server.url, extraHTTPHeaders: { origin: server.url } });
  try {
    const made = await ctx.post("/api/setup", { data: { code, ...E2E_ADMIN } });
    if (!made.ok()) throw new Error(`setup: ${made.status()} ${await made.text()}`);
    const signed = await ctx.post("/api/auth/sign-in/email", { data: { email: E2E_ADMIN.email, password: E2E_ADMIN.password } });
    if (!signed.ok()) throw new Error(`sign-in: ${signed.status()} ${await signed.text()}`);
    const file = join(outputDir, "..", "e2e-admin-state.json");
    await ctx.storageState({ path: file });
    return file;
  } finally {
    await ctx.dispose();
  }
}
