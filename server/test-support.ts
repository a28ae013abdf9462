// How the integration tests reach the real server that scripts/lab-server.ts
// starts for them (`startLabServer`): its HTTP API, its CLI and its socket.io.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join } from "node:path";
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "./realtime/protocol";

const ROOT = join(import.meta.dirname, "..");

/** The CLI token of each test server (scripts/lab-server.ts remembers it), by origin. */
const tokens = new Map<string, string>();
export const rememberToken = (url: string, token: string) => void tokens.set(new URL(url).origin, token);
const bearer = (url: string): Record<string, string> => {
  const t = tokens.get(new URL(url).origin);
  return t ? { authorization: `Bearer ${t}` } : {};
};

/** fetch, as the test server's admin (its CLI token); headers given win. */
export const authed = (input: string, init: RequestInit = {}) => fetch(input, { ...init, headers: { ...bearer(input), ...(init.headers as Record<string, string> | undefined) } });

/** A request to the server at `url` as its admin: a string body is sent as `type`, any other as JSON. */
export const request = (url: string, method: string, path: string, body?: unknown, type = "application/json") =>
  authed(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": type },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });

/** The CLI (bin/umlab.mjs) against the server at `url`, run to its end; in the project root unless `cwd`. */
export const umlab = (url: string, args: string[], options: { cwd?: string; input?: string; timeout?: number } = {}): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, [join(ROOT, "bin", "umlab.mjs"), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    input: options.input,
    env: { ...process.env, UMLAB_URL: url, UMLAB_TOKEN: tokens.get(new URL(url).origin) ?? "" },
    timeout: options.timeout ?? 180_000,
  });

/** A new socket.io client of the server at `url`, as the console connects. */
export const connect = (url: string, token?: string): Socket<ServerToClient, ClientToServer> =>
  io(url, { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, extraHeaders: token ? { authorization: `Bearer ${token}` } : bearer(url) });

/**
 * Polls `probe` until it gives a value (not null or false), every `everyMs`;
 * a probe that throws counts as not yet. Resolves with the value and how long
 * it took; rejects naming `what` and the last error after `timeoutMs`.
 */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | false>, everyMs = 300): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  let last: unknown = null;
  while (performance.now() - t0 < timeoutMs) {
    try {
      const v = await probe();
      if (v !== null && v !== false) return { value: v, ms: performance.now() - t0 };
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${(last as Error).message})` : ""}`);
}
