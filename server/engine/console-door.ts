import { createServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { ConsoleStream } from "../realtime/console-stream";
import { DOOR_PATH, type ClientToDoor, type DoorToClient } from "../realtime/protocol";
import type { EngineApi } from "./api";
import { readTicket, UsedTickets, type TicketClaims } from "./remote/console-ticket";

/** Someone typed into a console through the door: the web server counts it as activity, and tells a lab's owner when it is not them. */
export interface ConsoleTyped {
  lab: string;
  node: string;
  user: string;
  name: string;
  supervised: boolean;
  /** The first keystroke of this terminal's connection (later ones are told at most every TYPED_EVERY_MS). */
  first: boolean;
}

const TYPED_EVERY_MS = 10_000;
const MAX_KEYS = 64 * 1024;

type DoorSocket = Socket<ClientToDoor, DoorToClient, Record<string, never>, { claims: TicketClaims }>;

/**
 * The engine's console door: a browser's terminal talks to the engine
 * straight, over socket.io, as GNS3's consoles reach their compute host and
 * VS Code's terminals their pty host, so a keystroke crosses no other
 * process on its way to the guest and back (through the web server it woke
 * two more, which on a small VM cost more than the rest of the echo). The
 * engine knows nothing of users: each connection shows a ticket the web
 * server signed for one console, with the key both derive from the engine's
 * secret (console-ticket.ts), used once, from the page's origin, and it may
 * use that console only. The flow control is the web server's
 * (ConsoleStream). It outlives the web server: a terminal open through the
 * door goes on while the console is restarted.
 */
export class ConsoleDoor {
  private readonly http = createServer((_req, res) => res.writeHead(404).end());
  private readonly io: Server<ClientToDoor, DoorToClient, Record<string, never>, { claims: TicketClaims }>;
  /** The viewers of each console ("LAB\nNODE"). */
  private readonly viewers = new Map<string, Set<ConsoleStream>>();
  private readonly used = new UsedTickets();

  constructor(
    private readonly engine: EngineApi,
    key: Buffer,
    private readonly typed: (t: ConsoleTyped) => void,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.io = new Server(this.http, { path: DOOR_PATH, transports: ["websocket"], serveClient: false, maxHttpBufferSize: 1e6 });
    this.io.use((socket, next) => {
      const claims = readTicket(key, (socket.handshake.auth as { ticket?: unknown } | undefined)?.ticket);
      const origin = socket.handshake.headers.origin ?? null;
      const refused = !claims
        ? "this console's ticket is not valid or has expired: ask the console for a new one"
        : claims.origin !== origin
          ? "this console's ticket was given to a page of another origin"
          : !this.used.take(claims)
            ? "this console's ticket was used already"
            : null;
      if (refused || !claims) return next(new Error(refused ?? "refused"));
      socket.data.claims = claims;
      next();
    });
    this.io.on("connection", (socket) => this.serve(socket));
    engine.on("console", (lab: string, node: string, data: string, seq: number) => {
      for (const s of this.viewers.get(`${lab}\n${node}`) ?? []) s.push(data, seq);
    });
  }

  /** Listens; answers the port (0 asks for any free one). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, host, () => {
        this.http.off("error", reject);
        this.http.on("error", (e) => this.log(`console door: ${e.message}`));
        const at = this.http.address();
        resolve(typeof at === "object" && at ? at.port : port);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private serve(socket: DoorSocket): void {
    const { lab, node } = socket.data.claims;
    const key = `${lab}\n${node}`;
    let stream: ConsoleStream | null = null;
    let typedAt = 0;
    const drop = () => {
      if (!stream) return;
      const set = this.viewers.get(key);
      set?.delete(stream);
      if (set?.size === 0) this.viewers.delete(key);
      stream = null;
    };
    socket.on("console:attach", async (_ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      drop();
      const mine = new ConsoleStream(
        (data, reset) => socket.emit("console:data", reset ? { lab, node, data, reset } : { lab, node, data }),
        () => this.engine.attach(lab, node),
      );
      stream = mine;
      // Registered before the screen is read, so output after the read is streamed, not lost.
      if (!this.viewers.has(key)) this.viewers.set(key, new Set());
      this.viewers.get(key)!.add(mine);
      try {
        const snap = await this.engine.attach(lab, node);
        reply({ ok: true, lab, replay: snap.screen, state: snap.state });
        mine.start(snap);
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("console:input", (raw) => {
      const data = (raw as { data?: unknown } | null)?.data;
      if (typeof data !== "string" || data.length > MAX_KEYS) return;
      try {
        this.engine.input(lab, node, data);
      } catch {
        // a console that is gone: as the engine's own keystroke frames, nothing is answered
      }
      const now = Date.now();
      if (now - typedAt < TYPED_EVERY_MS) return;
      const { user, name, supervised } = socket.data.claims;
      this.typed({ lab, node, user, name, supervised, first: typedAt === 0 });
      typedAt = now;
    });
    socket.on("console:resize", (raw) => {
      const cols = Math.floor(Number((raw as { cols?: unknown } | null)?.cols));
      const rows = Math.floor(Number((raw as { rows?: unknown } | null)?.rows));
      if (cols > 0 && cols <= 1000 && rows > 0 && rows <= 1000) this.engine.resize(lab, node, cols, rows);
    });
    socket.on("console:ack", (raw) => stream?.ack(Number((raw as { chars?: unknown } | null)?.chars)));
    socket.on("disconnect", drop);
  }
}
