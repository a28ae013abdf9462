"use client";
import { io, type Socket } from "socket.io-client";
import { DOOR_PATH, type AttachReply, type ClientToDoor, type DoorReply, type DoorToClient } from "@/server/realtime/protocol";
import { umlabSocket, type UmlabSocket } from "./socket";

type DoorSocket = Socket<DoorToClient, ClientToDoor>;
export type ConsoleData = { lab: string; node: string; data: string; reset?: boolean };

/** How long a door may take to open before the terminal goes through the web server instead. */
const DOOR_TIMEOUT_MS = 3000;

/** A door this page could not reach (a firewall, a proxy in between): its other terminals go through the web server at once. */
let doorUnreachable = false;
/** The lines open on this page, by "LAB\nNODE": keystrokes of the dock and the teacher's view go by them. */
const lines = new Map<string, Set<ConsoleLine>>();

/**
 * One terminal's way to its console. Through the engine's console door
 * when the server offers one (server/engine/console-door.ts): a ticket
 * asked of the web server, then a socket of its own straight to the engine,
 * so a keystroke crosses one process less each way and the terminal goes
 * on while the web server restarts. Otherwise, or when the door cannot be
 * reached, through the page's socket to the web server, as before. `ready`
 * is called whenever the terminal should attach: a new connection, the
 * engine back after a restart.
 */
export class ConsoleLine {
  private readonly main = umlabSocket();
  private door: DoorSocket | null = null;
  private closed = false;
  via: "door" | "web" | null = null;
  private readonly onMainData = (m: ConsoleData) => {
    if (this.via === "web" && m.lab === this.lab && m.node === this.node) this.handlers.data(m);
  };
  private readonly onMainReady = () => {
    if (this.via === "web") this.handlers.ready();
    else if (this.via === null && !this.door) this.open();
  };

  constructor(
    private readonly lab: string,
    private readonly node: string,
    private readonly handlers: { data: (m: ConsoleData) => void; ready: () => void; via?: (via: "door" | "web") => void },
  ) {
    const key = `${lab}\n${node}`;
    if (!lines.has(key)) lines.set(key, new Set());
    lines.get(key)!.add(this);
    this.main.on("console:data", this.onMainData);
    this.main.on("connect", this.onMainReady);
    this.main.on("live:resync", this.onMainReady);
    // Not within the constructor: `ready` may attach at once, through this line.
    queueMicrotask(() => this.open());
  }

  attach(done: (r: AttachReply) => void): void {
    this.way().emit("console:attach", this.ref(), done);
  }

  input(data: string): void {
    this.way().emit("console:input", { ...this.ref(), data });
  }

  resize(cols: number, rows: number): void {
    this.way().emit("console:resize", { ...this.ref(), cols, rows });
  }

  ack(chars: number): void {
    this.way().emit("console:ack", { ...this.ref(), chars });
  }

  close(): void {
    this.closed = true;
    lines.get(`${this.lab}\n${this.node}`)?.delete(this);
    this.main.off("console:data", this.onMainData);
    this.main.off("connect", this.onMainReady);
    this.main.off("live:resync", this.onMainReady);
    this.door?.close();
    this.door = null;
    this.main.emit("console:detach", this.ref());
  }

  /** The open door, else the web server's socket: the door's events are the web server's console events. */
  private way(): UmlabSocket {
    return this.door?.connected ? (this.door as unknown as UmlabSocket) : this.main;
  }

  private ref() {
    return { lab: this.lab, node: this.node };
  }

  private use(via: "door" | "web"): void {
    this.via = via;
    this.handlers.via?.(via);
    if (via === "door" || this.main.connected) this.handlers.ready();
  }

  /** Asks for a ticket and opens the door with it; the web server's way when there is none or it cannot be opened. */
  private open(): void {
    if (this.closed) return;
    if (doorUnreachable) return this.use("web");
    // Tickets come from the web server: once it answers (onMainReady calls again).
    if (!this.main.connected) return;
    this.main.emit("console:door", this.ref(), (r: DoorReply) => {
      if (this.closed || this.door) return;
      if (!r.ok || !r.door) return this.use("web");
      const url = "url" in r.door ? r.door.url : `${location.protocol === "https:" ? "wss" : "ws"}://${location.hostname}:${r.door.port}`;
      const door: DoorSocket = io(url, { path: DOOR_PATH, transports: ["websocket"], reconnection: false, timeout: DOOR_TIMEOUT_MS, auth: { ticket: r.ticket } });
      this.door = door;
      let opened = false;
      door.on("console:data", (m) => {
        if (this.door === door) this.handlers.data(m);
      });
      door.on("connect", () => {
        opened = true;
        if (this.door === door) this.use("door");
      });
      door.on("connect_error", (e) => {
        door.close();
        if (this.door !== door) return;
        this.door = null;
        // Not reached at all (no answer, a network error): this page's other terminals need not try. A door that
        // answered and said no (a ticket refused) is this terminal's alone.
        if (!opened && !/ticket/.test(e.message)) doorUnreachable = true;
        this.use("web");
      });
      door.on("disconnect", () => {
        if (this.door !== door || this.closed) return;
        // The engine went (a restart: its door moves) or the connection broke: a new ticket, a new door.
        door.close();
        this.door = null;
        this.via = null;
        setTimeout(() => this.open(), 300);
      });
    });
  }
}

/** Keystrokes for a console: through its terminal's line when one is open on this page, else the web server. */
export function consoleInput(lab: string, node: string, data: string): void {
  const line = lines.get(`${lab}\n${node}`)?.values().next().value;
  if (line) line.input(data);
  else umlabSocket().emit("console:input", { lab, node, data });
}
