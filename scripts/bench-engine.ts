// The bench's rows about the engine being a process of its own
// (scripts/bench.ts): how soon every terminal of a lab is back after the web
// server is killed and started again, and how many live events a client gets
// for one node start.
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, type ClientToServer, type ServerToClient, type SubscribeReply } from "../server/realtime/protocol";
import { UMLAB_SOCKET_OPTIONS } from "../components/client/socket-options";
import type { LabServer } from "./lab-server";

type Client = Socket<ServerToClient, ClientToServer>;

export interface RestartResult {
  nodes: number;
  /** kill -9 of the web server until it serves again. */
  serveMs: number;
  /** From then until every terminal was attached again, its screen back. */
  reattachMs: number;
}

export interface EventsResult {
  /** lab:patch events each of the clients received for one node start (booting to running), in a lab already up. */
  perClient: number[];
  /** The same for the start of a one-node lab (the lab comes up with it). */
  firstPerClient: number[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A client as the page makes it (the same reconnection options), as the server's admin. */
const client = (server: LabServer): Client => io(server.url, { ...UMLAB_SOCKET_OPTIONS, path: SOCKET_PATH, forceNew: true, extraHeaders: { authorization: `Bearer ${server.token}` } });

const connected = (c: Client) => new Promise<void>((r) => (c.connected ? r() : c.once("connect", () => r())));

async function api(server: LabServer, method: string, path: string, yaml?: string): Promise<unknown> {
  const auth = { authorization: `Bearer ${server.token}` };
  const res = await fetch(`${server.url}${path}`, { method, body: yaml, headers: yaml === undefined ? auth : { ...auth, "content-type": "application/yaml" } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function waitAllRunning(server: LabServer, lab: string, n: number): Promise<void> {
  const until = Date.now() + 120_000;
  for (;;) {
    const s = (await api(server, "GET", `/api/labs/${lab}/status`)) as { nodes: { state: string }[] };
    if (s.nodes.filter((x) => x.state === "running").length === n) return;
    if (Date.now() > until) throw new Error(`lab ${lab}: not all ${n} nodes running within 2 minutes`);
    await sleep(200);
  }
}

/**
 * A page with a terminal on each of a lab's `n` nodes (one socket, as the
 * page has); the web server killed with SIGKILL and started again; the time
 * until it serves, then until every terminal has attached again (the
 * socket's own reconnection, then an attach each, answered with the screen).
 */
export async function restartReattach(server: LabServer, n = 10): Promise<RestartResult> {
  const name = "bench-restart";
  const nodes = Array.from({ length: n }, (_, i) => `  n${i + 1}: { eth: [sw1] }`).join("\n");
  await api(server, "POST", "/api/labs", `umlab: 1\nname: ${name}\nnodes:\n${nodes}\nswitches:\n  sw1: {}\n`);
  await api(server, "POST", `/api/labs/${name}/start`);
  await waitAllRunning(server, name, n);
  const page = client(server);
  try {
    await connected(page);
    const attach = (node: string) =>
      new Promise<void>((resolve, reject) =>
        page.emit("console:attach", { lab: name, node }, (r) => (r.ok && r.replay.includes(`${node}:`) ? resolve() : reject(new Error(r.ok ? `${node}: no prompt in the screen` : r.error)))),
      );
    const attachAll = async (): Promise<void> => {
      await Promise.all(Array.from({ length: n }, (_, i) => attach(`n${i + 1}`)));
    };
    await attachAll();
    // As a page does: attach again at each reconnect; the last one is the one timed.
    let reattached: Promise<void> = Promise.resolve();
    page.on("connect", () => (reattached = attachAll()));
    const t0 = performance.now();
    await server.killWeb();
    await server.startWeb();
    const t1 = performance.now();
    await new Promise<void>((r) => page.once("connect", () => r()));
    await reattached;
    const t2 = performance.now();
    return { nodes: n, serveMs: t1 - t0, reattachMs: t2 - t1 };
  } finally {
    page.close();
    await api(server, "POST", `/api/labs/${name}/stop`);
    await api(server, "DELETE", `/api/labs/${name}`);
  }
}

/** Three clients follow a lab; the events each receives for one node start, and for a one-node lab's start. */
export async function eventsPerStart(server: LabServer): Promise<EventsResult> {
  const name = "bench-events";
  await api(server, "POST", "/api/labs", `umlab: 1\nname: ${name}\nnodes:\n  a: { eth: [sw1] }\n  b: { eth: [sw1] }\nswitches:\n  sw1: {}\n`);
  const clients = [client(server), client(server), client(server)];
  const counts = clients.map(() => 0);
  try {
    await Promise.all(clients.map(connected));
    await Promise.all(clients.map((c) => new Promise<SubscribeReply>((r) => c.emit("lab:subscribe", { lab: name }, r))));
    clients.forEach((c, i) => c.on("lab:patch", () => counts[i]++));
    const settle = async () => {
      await sleep(500);
    };
    await api(server, "POST", `/api/labs/${name}/nodes/a/start`);
    await waitAllRunning(server, name, 1);
    await settle();
    const firstPerClient = [...counts];
    counts.fill(0);
    await api(server, "POST", `/api/labs/${name}/nodes/b/start`);
    await waitAllRunning(server, name, 2);
    await settle();
    return { perClient: [...counts], firstPerClient };
  } finally {
    clients.forEach((c) => c.close());
    await api(server, "POST", `/api/labs/${name}/stop`);
    await api(server, "DELETE", `/api/labs/${name}`);
  }
}
