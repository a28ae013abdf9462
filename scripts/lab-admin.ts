// The first admin of a fresh test server, made as a person would (the setup
// code from the server's data directory, then signing in), for the tools that
// drive the console in a browser: e2e global setup, the browser bench and the
// README screenshot.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "@playwright/test";
import type { LabServer } from "./lab-server";

export const TEST_ADMIN = { name: "Ada Admin", email: "admin@umlab.test", password: "correct horse battery" };

/** Makes the admin and writes its signed-in browser state (cookies) to `file`, for `browser.newContext({ storageState })`. */
export async function signInAdmin(server: LabServer, file: string): Promise<string> {
  const code = readFileSync(join(server.data, "setup-code"), "utf8").trim();
  const ctx = await request.newContext({ baseURL: server.url, extraHTTPHeaders: { origin: server.url } });
  try {
    const made = await ctx.post("/api/setup", { data: { code, ...TEST_ADMIN } });
    if (!made.ok()) throw new Error(`setup: ${made.status()} ${await made.text()}`);
    const signed = await ctx.post("/api/auth/sign-in/email", { data: { email: TEST_ADMIN.email, password: TEST_ADMIN.password } });
    if (!signed.ok()) throw new Error(`sign-in: ${signed.status()} ${await signed.text()}`);
    await ctx.storageState({ path: file });
    return file;
  } finally {
    await ctx.dispose();
  }
}
