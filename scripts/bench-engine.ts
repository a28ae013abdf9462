// The bench's rows about the engine being a process of its own
// (scripts/bench.ts): how soon every terminal of a lab is back after the web
// server is killed and started again, and how many live events a client gets
// for one node start.
import { io, type Socket } from "socket.io-client";
import { DOOR_PATH, SOCKET_PATH, type ClientToDoor, type ClientToServer, type DoorReply, type DoorToClient, type ServerToClient, type SubscribeReply } from "../server/realtime/protocol";
import { UMLAB_SOCKET_OPTIONS } from "../components/client/socket-options";
import { startLabServer, type LabServer } from "./lab-server";

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
/** Keystrokes between two Ctrl+U, so the line never wraps (a wrap makes the shell redraw). */
export const CLEAR_EVERY = 40;
export const LETTERS = "abcdefghijklmnopqrstuvwxyz";

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
    // Listened for before the kill: the socket may be back before the server's "console on" is read.
    const reconnected = new Promise<void>((r) => page.once("connect", () => r()));
    const t0 = performance.now();
    await server.killWeb();
    await server.startWeb();
    const t1 = performance.now();
    await reconnected;
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

/** The browser's part taken away: console:input from Node until the echo's console:data. */
export async function socketEcho(server: LabServer, lab: string, node: string, n: number, via: "web" | "door" = "web"): Promise<number[]> {
  const socket: Socket<ServerToClient, ClientToServer> = io(server.url, { path: SOCKET_PATH, transports: ["websocket"], extraHeaders: { authorization: `Bearer ${server.token}` } });
  let door: Socket<DoorToClient, ClientToDoor> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    if (via === "door") {
      // As a page's terminal does (components/client/console-line.ts): a ticket from the web server, then the engine's door.
      const r = await new Promise<DoorReply>((resolve) => socket.emit("console:door", { lab, node }, resolve));
      if (!r.ok || !r.door) throw new Error(`no console door: ${JSON.stringify(r)}`);
      const url = "url" in r.door ? r.door.url : `ws://${new URL(server.url).hostname}:${r.door.port}`;
      const d: Socket<DoorToClient, ClientToDoor> = io(url, { path: DOOR_PATH, transports: ["websocket"], reconnection: false, auth: { ticket: r.ticket } });
      door = d;
      await new Promise<void>((resolve, reject) => {
        d.once("connect", resolve);
        d.once("connect_error", reject);
      });
    }
    // The console's way: the door, or the web server's socket (the same events either way).
    const line = (door ?? socket) as unknown as Socket<ServerToClient, ClientToServer>;
    await new Promise<void>((resolve, reject) => line.emit("console:attach", { lab, node }, (r) => (r.ok ? resolve() : reject(new Error(r.error)))));
    let out = "";
    let acked = 0;
    line.on("console:data", (m) => {
      if (m.node !== node) return;
      out += m.data;
      acked += m.data.length;
      // flow control, as the page does
      if (acked > 4096) {
        line.emit("console:ack", { lab, node, chars: acked });
        acked = 0;
      }
    });
    await sleep(200);
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % CLEAR_EVERY === 0) {
        line.emit("console:input", { lab, node, data: "\x15" });
        await sleep(150);
      }
      const ch = LETTERS[i % LETTERS.length];
      out = "";
      const back = new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const timer = setTimeout(() => reject(new Error(`socket.io: no echo of "${ch}" within 5 s`)), 5000);
        const on = () => {
          if (!out.includes(ch)) return;
          clearTimeout(timer);
          line.off("console:data", on);
          resolve(performance.now() - t0);
        };
        line.on("console:data", on);
        line.emit("console:input", { lab, node, data: ch });
      });
      ms.push(await back);
    }
    line.emit("console:input", { lab, node, data: "\x15" });
    await sleep(100);
    return ms;
  } finally {
    door?.close();
    socket.close();
  }
}

export interface EchoHopResult {
  /** Keystroke echo round trips (ms) from a socket.io client in Node, the engine its own process: through its console door, as the page's terminals go. */
  door: number[];
  /** The same through the web server's socket (the way when the door cannot be reached; the CLI's). */
  engine: number[];
  /** The same with the engine inside the web server (UMLAB_ENGINE=inprocess): no hop. */
  inProcess: number[];
}

/**
 * What the engine's own process costs a keystroke: the same echo, the same
 * host, with and without the hop. The two servers take turns (`rounds`
 * each), each with a one-node lab, and each measures `keys` keystrokes after
 * at least a thousand unmeasured ones: a long-running engine has its echo
 * path compiled, a fresh one does not (the first thousand are slower by up
 * to 1.5 ms at p95 on the bench's host).
 */
export async function echoHop(keys: number, rounds = 2): Promise<EchoHopResult> {
  const out: EchoHopResult = { door: [], engine: [], inProcess: [] };
  for (let r = 0; r < rounds; r++) {
    for (const inProcess of [false, true]) {
      const server = await startLabServer({ samples: false, name: inProcess ? "bench-inprocess" : "bench-hop", inProcess });
      try {
        await api(server, "POST", "/api/labs", "umlab: 1\nname: bench-hop\nnodes:\n  pc1: {}\n");
        await api(server, "POST", "/api/labs/bench-hop/start");
        await waitAllRunning(server, "bench-hop", 1);
        await socketEcho(server, "bench-hop", "pc1", Math.max(keys, 1000));
        if (inProcess) out.inProcess.push(...(await socketEcho(server, "bench-hop", "pc1", keys)));
        else {
          await socketEcho(server, "bench-hop", "pc1", Math.max(keys, 1000), "door");
          // Both ways on the one server, in turn, so neither always comes first.
          for (const via of r % 2 ? (["door", "web"] as const) : (["web", "door"] as const))
            (via === "door" ? out.door : out.engine).push(...(await socketEcho(server, "bench-hop", "pc1", keys, via)));
        }
      } finally {
        await server.stop();
      }
    }
  }
  return out;
}
