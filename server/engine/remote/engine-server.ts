import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { sameSecret } from "../../secret-file";
import type { EngineApi } from "../api";
import type { LiveEvent } from "../live";
import { COMMANDS, isCommand, keystroke } from "./commands";
import { helloFromClient, PROTOCOL_VERSION, readFrames, request, toWire, writeFrame, type Answer, type EngineEvent, type HelloFromEngine } from "./wire";

/** Console output queued for a slow client beyond this is dropped (and the client told), never buffered without end. */
const MAX_QUEUED = 16 * 1024 * 1024;
/** A client that has not said hello with the secret by then is dropped. */
const HELLO_TIMEOUT_MS = 5000;

/**
 * Serves an engine's commands (api.ts) to web servers: on a unix socket, and
 * on TCP for a web server on another host. Every client proves it knows the
 * engine's secret first; then it may send any command, and gets every event.
 */
export class EngineServer {
  readonly instance = randomUUID();
  private readonly servers: Server[] = [];
  private readonly clients = new Set<Socket>();
  /** Per slow client, the consoles whose output it missed (told once it drains). */
  private readonly gaps = new Map<Socket, Set<string>>();
  /** Per slow client, the rows of each capture it missed. */
  private readonly missedRows = new Map<Socket, Map<string, number>>();
  /** Per client, the captures it watches ("LAB\nCAPTURE"): one is watched while any client does, and a client that goes watches none. */
  private readonly watching = new Map<Socket, Set<string>>();
  /** The engine's console door, told in the hello. */
  door: { port: number; url?: string } | null = null;

  constructor(
    private readonly engine: EngineApi,
    private readonly secret: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    engine.on("patch", (ev: LiveEvent) => this.broadcast({ ev: "patch", data: ev }));
    engine.on("console", (lab: string, node: string, data: string, seq: number) => this.console(lab, node, data, seq));
    engine.on("capture-rows", (lab: string, capture: string, rows: unknown[], skipped: number) => this.captureRows(lab, capture, rows, skipped));
  }

  /** Listens on a unix socket path or a TCP port (host, port); resolves once it does. */
  listen(where: { path: string } | { host: string; port: number }): Promise<Server> {
    const server = createServer((socket) => this.accept(socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(where, () => {
        server.off("error", reject);
        server.on("error", (e) => this.log(`engine: listener: ${e.message}`));
        resolve(server);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    let greeted = false;
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    socket.on("close", () => {
      clearTimeout(timer);
      this.clients.delete(socket);
      this.missedRows.delete(socket);
      const keys = this.watching.get(socket) ?? [];
      this.watching.delete(socket);
      for (const key of keys) {
        const [lab, capture] = key.split("\n");
        void this.watch(socket, lab, capture, false).catch(() => {});
      }
    });
    readFrames(
      socket,
      (frame) => {
        if (!greeted) {
          const hello = helloFromClient.safeParse(frame);
          if (!hello.success || hello.data.hello.v !== PROTOCOL_VERSION || !sameSecret(hello.data.hello.secret, this.secret)) {
            this.log(`engine: refused a client from ${socket.remoteAddress ?? "the unix socket"}: ${hello.success ? "wrong secret or protocol version" : "no hello"}`);
            return void socket.destroy();
          }
          greeted = true;
          clearTimeout(timer);
          const reply: HelloFromEngine = { hello: { v: PROTOCOL_VERSION, engine: this.instance, pid: process.pid, ...(this.door ? { door: this.door } : {}) } };
          writeFrame(socket, reply);
          this.clients.add(socket);
          return;
        }
        const keys = keystroke(frame);
        if (keys) {
          try {
            this.engine.input(...keys);
          } catch {
            // as serve() does with a keystroke: no answer was asked for
          }
          return;
        }
        void this.serve(socket, frame);
      },
      (why) => this.log(`engine: dropped a client: ${why}`),
    );
  }

  private async serve(socket: Socket, frame: unknown): Promise<void> {
    const parsed = request.safeParse(frame);
    if (!parsed.success) return void socket.destroy();
    const { id, cmd, args } = parsed.data;
    const answer = (a: Answer) => id !== undefined && writeFrame(socket, a);
    if (!isCommand(cmd)) return void answer({ id: id!, ok: false, error: { name: "BadRequestError", message: `no engine command "${cmd}"` } });
    const spec = COMMANDS[cmd];
    try {
      const decoded = spec.args.map((codec, i) => codec.decode(args[i]));
      const method = this.engine[cmd] as (...a: unknown[]) => unknown;
      const value = cmd === "watchCapture" ? await this.watch(socket, ...(decoded as [string, string, boolean])) : await method.apply(this.engine, decoded);
      if (id !== undefined) answer({ id, ok: true, value: spec.answer ? (spec.answer.encode as (v: unknown) => unknown)(value) : null });
    } catch (e) {
      answer({ id: id!, ok: false, error: toWire(e) });
    }
  }

  private watch(socket: Socket, lab: string, capture: string, on: boolean): Promise<void> {
    const key = `${lab}\n${capture}`;
    let mine = this.watching.get(socket);
    if (on && !mine && this.clients.has(socket)) this.watching.set(socket, (mine = new Set()));
    if (on) mine?.add(key);
    else mine?.delete(key);
    return this.engine.watchCapture(lab, capture, [...this.watching.values()].some((keys) => keys.has(key)));
  }

  /** An event to every client. */
  broadcast(ev: EngineEvent): void {
    for (const c of this.clients) writeFrame(c, ev);
  }

  /** Console output to every client that keeps up; one that does not misses it and is told (console-gap). */
  private console(lab: string, node: string, data: string, seq: number): void {
    for (const c of this.clients) {
      const key = `${lab}\n${node}`;
      if (c.writableLength > MAX_QUEUED) {
        let g = this.gaps.get(c);
        if (!g) {
          g = new Set();
          this.gaps.set(c, g);
          c.once("drain", () => this.endGaps(c));
        }
        g.add(key);
        continue;
      }
      writeFrame(c, { ev: "console", lab, node, data, seq });
    }
  }

  /** A capture's rows to every client that keeps up; one that does not is told, with the next batch it gets, how many it missed. */
  private captureRows(lab: string, capture: string, rows: unknown[], skipped: number): void {
    const key = `${lab}\n${capture}`;
    for (const c of this.clients) {
      let missed = this.missedRows.get(c);
      if (c.writableLength > MAX_QUEUED) {
        if (!missed) this.missedRows.set(c, (missed = new Map()));
        missed.set(key, (missed.get(key) ?? 0) + skipped + rows.length);
        continue;
      }
      writeFrame(c, { ev: "capture-rows", lab, capture, rows, missed: skipped + (missed?.get(key) ?? 0) });
      missed?.delete(key);
    }
  }

  private endGaps(c: Socket): void {
    const g = this.gaps.get(c);
    this.gaps.delete(c);
    for (const key of g ?? []) {
      const [lab, node] = key.split("\n");
      writeFrame(c, { ev: "console-gap", lab, node });
    }
  }
}
