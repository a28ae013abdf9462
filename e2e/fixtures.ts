import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test as base, type TestInfo } from "@playwright/test";
import type { LabDetail } from "../server/api/lab-service";
import { labPaths, runRel } from "../server/engine/paths";
import { importLab, labStatus, removeLab, uniqueLabName } from "./api";

export interface Labs {
  /** A lab name no other test uses. */
  name(prefix?: string): string;
  /** Imports a lab file through the HTTP API; the lab is stopped and deleted after the test, pass or fail. */
  import(yaml: string): Promise<LabDetail>;
  /** A lab the test makes through the UI, to be cleaned up the same way. */
  track(name: string): void;
}

/**
 * What a failed test's labs were doing, attached to the test (the list
 * reporter prints it): each node's state and reason and the last lines of
 * its console log. A node that never came up in CI is otherwise a mystery.
 */
async function attachLabState(name: string, info: TestInfo): Promise<void> {
  const lines = [`lab ${name} when the test failed:`];
  try {
    const status = await labStatus(name);
    for (const n of status.nodes) lines.push(`  node ${n.name}: ${n.state}${n.pid ? ` (pid ${n.pid})` : ""}${n.reason ? ` — ${n.reason}` : ""}`);
    for (const s of status.switches) lines.push(`  switch ${s.name}: ${s.pid ? `pid ${s.pid}` : "down"}${s.paused ? ", paused" : ""}`);
  } catch (e) {
    lines.push(`  status: ${(e as Error).message}`);
  }
  const data = process.env.UMLAB_E2E_DATA;
  if (data) {
    const run = labPaths(data, name).run;
    for (const node of nodeDirs(run)) {
      const log = join(run, runRel.consoleLog(node));
      if (!existsSync(log)) continue;
      const text = readFileSync(log, "latin1").replace(/\r/g, "").split("\n").slice(-30).join("\n");
      lines.push(`--- ${node}: last console lines ---`, text);
    }
  }
  const body = lines.join("\n");
  // The list reporter cuts attachments short; what a test prints is shown whole.
  console.error(body);
  await info.attach(`lab ${name}`, { body, contentType: "text/plain" });
}

function nodeDirs(run: string): string[] {
  try {
    return readdirSync(join(run, "nodes"));
  } catch {
    return [];
  }
}

/**
 * `test` for every spec: Playwright's, with a `labs` fixture that cleans up
 * the labs a test imported (so one spec's labs never show in another's page).
 */
export const test = base.extend<{ labs: Labs }>({
  // The page records the live state it took and refused (components/topology/store.ts), printed when a test fails.
  page: async ({ page }, use, info) => {
    await page.addInitScript(() => void ((globalThis as { __umlabLive?: unknown[] }).__umlabLive = []));
    await use(page);
    if (info.status === info.expectedStatus) return;
    const log = await page.evaluate(() => (globalThis as { __umlabLive?: unknown[] }).__umlabLive ?? []).catch(() => []);
    if (!log.length) return;
    const body = `the page's live state (last ${Math.min(log.length, 100)} of ${log.length}):\n${log.slice(-100).map((e) => JSON.stringify(e)).join("\n")}`;
    console.error(body);
    await info.attach("live state", { body, contentType: "text/plain" });
  },
  labs: async ({}, use, info) => {
    const created = new Set<string>();
    await use({
      name: uniqueLabName,
      async import(yaml) {
        const lab = await importLab(yaml);
        created.add(lab.name);
        return lab;
      },
      track: (name) => void created.add(name),
    });
    if (info.status !== info.expectedStatus) for (const name of created) await attachLabState(name, info);
    for (const name of [...created].reverse()) await removeLab(name);
  },
});

export { expect } from "@playwright/test";
