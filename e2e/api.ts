import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { LabDetail, LabSummary } from "../server/api/lab-service";
import type { LabStatus } from "../server/engine/lab-run";

/**
 * The server's HTTP API for specs: set a lab up (or check it) without going
 * through the page under test. The server is the one e2e/global-setup.ts
 * started; prefer the `labs` fixture (e2e/fixtures.ts), which also removes
 * what a test imported.
 */
export function serverURL(): string {
  const url = process.env.UMLAB_E2E_URL;
  if (!url) throw new Error("UMLAB_E2E_URL is not set: run the specs through Playwright, whose global setup starts the server");
  return url;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: { yaml?: string; json?: unknown }): Promise<T> {
  const init: RequestInit & { headers?: Record<string, string> } = { method };
  if (body?.yaml !== undefined) init.body = body.yaml;
  if (body?.json !== undefined) init.body = JSON.stringify(body.json);
  // As the server machine's admin (its CLI token, which global setup read): the page's user is another principal.
  init.headers = { authorization: `Bearer ${process.env.UMLAB_E2E_TOKEN ?? ""}` };
  if (init.body !== undefined) init.headers["content-type"] = body?.yaml !== undefined ? "application/yaml" : "application/json";
  const res = await fetch(`${serverURL()}${path}`, init);
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new ApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

const lab = (name: string) => `/api/labs/${encodeURIComponent(name)}`;

export const listLabs = () => call<LabSummary[]>("GET", "/api/labs");
export const getLab = (name: string) => call<LabDetail>("GET", lab(name));
export const importLab = (yaml: string) => call<LabDetail>("POST", "/api/labs", { yaml });
export const startLab = (name: string) => call<LabStatus>("POST", `${lab(name)}/start`);
export const stopLab = (name: string) => call<LabStatus>("POST", `${lab(name)}/stop`);
export const labStatus = (name: string) => call<LabStatus>("GET", `${lab(name)}/status`);
export const deleteLab = (name: string) => call<{ ok: true }>("DELETE", lab(name));
export const execIn = (name: string, node: string, argv: string[], timeout?: number) =>
  call<{ stdout: string; stderr: string; exitCode: number }>("POST", `${lab(name)}/nodes/${encodeURIComponent(node)}/exec`, { json: { argv, timeout } });

/** A user of the server, made by its admin (as on the admin page). */
export const createUser = (name: string, email: string, password: string, role: "admin" | "teacher" | "student" = "student") =>
  call<{ id: string }>("POST", "/api/admin/users", { json: { name, email, password, role } });

/** Stops the lab if it runs, then deletes it; a lab already gone is fine. */
export async function removeLab(name: string): Promise<void> {
  try {
    await stopLab(name);
    await deleteLab(name);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return;
    throw e;
  }
}

/** A lab name no other test uses, "e2e-<prefix>-<unique>" (lab names: 1-31 of [a-z0-9-], starting with a letter). */
export function uniqueLabName(prefix = "lab"): string {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  const head = `e2e-${prefix}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return `${head.slice(0, 31 - suffix.length - 1)}-${suffix}`;
}

/** A small lab file: `nodes` busybox nodes on one switch, 10.0.0.<i>/24 on eth0. */
export function simpleLab(name: string, nodes = 2): string {
  const lines = [`umlab: 1`, `name: ${name}`, `nodes:`];
  for (let i = 1; i <= nodes; i++) {
    lines.push(`  node${String(i).padStart(2, "0")}:`, `    eth: [sw1]`, `    startup: |`, `      ip addr add 10.0.0.${i}/24 dev eth0`, `      ip link set eth0 up`);
  }
  lines.push(`switches:`, `  sw1: {}`, ``);
  return lines.join("\n");
}

/** The CLI (bin/umlab.mjs) against the e2e server, as its admin; its exit code and output. */
export function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, "..", "bin", "umlab.mjs"), ...args], {
    encoding: "utf8",
    env: { ...process.env, UMLAB_URL: serverURL(), UMLAB_TOKEN: process.env.UMLAB_E2E_TOKEN ?? "" },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
