// How the integration tests reach the real server that scripts/lab-server.ts
// starts for them (`startLabServer`): its HTTP API, its CLI and its socket.io.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { io, type Socket } from "socket.io-client";
import { DOOR_PATH, SOCKET_PATH, type ClientToDoor, type ClientToServer, type DoorReply, type DoorToClient, type ServerToClient } from "./realtime/protocol";

const ROOT = join(import.meta.dirname, "..");

/** The CLI token of each test server (scripts/lab-server.ts remembers it), by origin. */
const tokens = new Map<string, string>();
export const rememberToken = (url: string, token: string) => void tokens.set(new URL(url).origin, token);
const bearer = (url: string): Record<string, string> => {
  const t = tokens.get(new URL(url).origin);
  return t ? { authorization: `Bearer ${t}` } : {};
};

/**
 * fetch, sent once more when the kept-alive connection it took turned out
 * closed ("other side closed"): the pool handed out one the server closed
 * while nothing here could read its end, so the request never reached the
 * server. `umlab()` below blocks this process (spawnSync) longer than the
 * server keeps an idle connection; a loaded bench host does the same.
 */
export async function fetchAgain(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw e;
    return fetch(input, init);
  }
}

/** fetch, as the test server's admin (its CLI token); headers given win. */
export const authed = (input: string, init: RequestInit = {}) => fetchAgain(input, { ...init, headers: { ...bearer(input), ...(init.headers as Record<string, string> | undefined) } });

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

/** A test server's people: each signed in (a session cookie), and requests as any of them as this site's pages send them. */
export interface People {
  cookies: Record<string, string>;
  /** A request as `user` (null: nobody signed in); a string body is YAML, any other JSON. */
  as(user: string | null, method: string, path: string, body?: unknown): Promise<Response>;
}

/**
 * Makes the server's admin ("ada", with the setup code from its data
 * directory), then each user given (NAME@umlab.test, password "NAME
 * password", the role given), and signs them all in.
 */
export async function signInPeople(server: { url: string; data: string }, users: [name: string, role: "admin" | "teacher" | "student"][]): Promise<People> {
  const { url } = server;
  const cookies: Record<string, string> = {};
  const as = (user: string | null, method: string, path: string, body?: unknown) =>
    fetchAgain(`${url}${path}`, {
      method,
      headers: { origin: url, ...(user ? { cookie: cookies[user] } : {}), ...(body === undefined ? {} : { "content-type": typeof body === "string" ? "application/yaml" : "application/json" }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const signIn = async (email: string, password: string) => {
    const res = await fetch(`${url}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ email, password }) });
    if (res.status !== 200) throw new Error(`sign-in of ${email}: ${res.status} ${await res.text()}`);
    return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  };
  const code = readFileSync(join(server.data, "setup-code"), "utf8").trim();
  const setup = await fetch(`${url}/api/setup`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ code, name: "Ada", email: "ada@umlab.test", password: "admin password" }) });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  cookies.ada = await signIn("ada@umlab.test", "admin password");
  for (const [name, role] of users) {
    const made = await as("ada", "POST", "/api/admin/users", { name, email: `${name}@umlab.test`, password: `${name} password`, role });
    if (made.status !== 201) throw new Error(`user ${name}: ${made.status} ${await made.text()}`);
    cookies[name] = await signIn(`${name}@umlab.test`, `${name} password`);
  }
  return { cookies, as };
}

/** The body of an answer with the status expected (assert's message: the body); a JSON body parsed. */
export async function expectJson<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${res.status} (expected ${status}): ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export type DoorClient = Socket<DoorToClient, ClientToDoor>;

/** A ticket to a console's door, asked through `main` (a socket of the web server). */
export const doorTicket = (main: Socket<ServerToClient, ClientToServer>, lab: string, node: string) =>
  new Promise<DoorReply>((resolve) => main.emit("console:door", { lab, node }, resolve));

/**
 * A console's door opened with a ticket (`origin`: the page's, as `main`
 * was opened with; none for a client that is no browser), connected, or
 * rejected with the door's reason.
 */
export async function openDoor(url: string, reply: DoorReply, origin?: string): Promise<DoorClient> {
  if (!reply.ok || !reply.door) throw new Error(`no door: ${JSON.stringify(reply)}`);
  const where = "url" in reply.door ? reply.door.url : `ws://${new URL(url).hostname}:${reply.door.port}`;
  const door: DoorClient = io(where, { path: DOOR_PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth: { ticket: reply.ticket }, extraHeaders: origin ? { origin } : {} });
  return new Promise((resolve, reject) => {
    door.once("connect", () => resolve(door));
    door.once("connect_error", (e) => {
      door.close();
      reject(e);
    });
  });
}
