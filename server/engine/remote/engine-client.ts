import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import type { EngineApi } from "../api";
import { HostError } from "../host";
import { COMMANDS, type Command } from "./commands";
import { signTicket, ticketKey, type TicketClaims } from "./console-ticket";
import type { ConsoleDoor } from "../../realtime/protocol";
import { fromWire, PROTOCOL_VERSION, readFrames, writeFrame, type Answer, type EngineEvent, type HelloFromEngine } from "./wire";

/** Where an engine listens: its unix socket, or a host and port (another host). */
export type EngineAddress = { path: string } | { host: string; port: number };

/** `tcp://host:port` or a unix socket's path. */
export function parseEngineAddress(s: string): EngineAddress {
  const m = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(s);
  if (m) return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
  if (s.startsWith("/")) return { path: s };
  throw new Error(`not an engine address: ${JSON.stringify(s)} (tcp://HOST:PORT or the absolute path of its socket)`);
}

export const describeAddress = (a: EngineAddress) => ("path" in a ? a.path : `tcp://${a.host}:${a.port}`);

const REQUEST_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * An engine in another process (api.ts, served by engine-server.ts), used
 * exactly as one in this process. It connects, says hello with the secret,
 * and from then on sends commands and re-emits the engine's events. When
 * the connection drops, what was asked fails with a HostError, and it
 * connects again (every second) until `close`; "engine" is emitted with
 * the engine's instance id at each hello, so a server can tell a restarted
 * engine from the same one come back.
 */
export class RemoteEngine extends EventEmitter implements EngineApi {
  private socket: Socket | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; cmd: Command; timer: NodeJS.Timeout }>();
  private closed = false;
  enginePid: number | null = null;
  /** The engine's console door, as its hello told (null: it has none). */
  private door: { port: number; url?: string } | null = null;
  private readonly ticketKey: Buffer;

  constructor(
    private readonly address: EngineAddress,
    private readonly secret: string,
  ) {
    super();
    this.ticketKey = ticketKey(secret);
  }

  /**
   * Where browsers find the engine's console door: the address it was given
   * (UMLAB_CONSOLE_URL), an engine on another host by that host's name, or
   * the page's own host name at the door's port (null: no door).
   */
  consoleDoor(): ConsoleDoor | null {
    const d = this.door;
    if (!d || !this.socket) return null;
    if (d.url) return { url: d.url };
    const a = this.address;
    if ("host" in a && !/^(localhost|127\.[\d.]+|::1)$/.test(a.host)) return { url: `ws://${a.host.includes(":") ? `[${a.host}]` : a.host}:${d.port}` };
    return { port: d.port };
  }

  /** A ticket to the door for one console (console-ticket.ts), signed with the key the engine derives from the same secret. */
  consoleTicket(claims: Omit<TicketClaims, "exp" | "nonce">): string {
    return signTicket(this.ticketKey, claims);
  }

  /** Connects (once); resolves at the engine's hello, rejects when it cannot be reached. */
  connect(): Promise<void> {
    this.ready ??= this.open();
    return this.ready;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.address);
      socket.setNoDelay(true);
      let greeted = false;
      socket.on("error", (e) => {
        if (!greeted) reject(new HostError(`the umlab engine at ${describeAddress(this.address)} is not reachable: ${e.message}`));
      });
      socket.on("connect", () => writeFrame(socket, { hello: { v: PROTOCOL_VERSION, secret: this.secret } }));
      socket.on("close", () => {
        if (!greeted) reject(new HostError(`the umlab engine at ${describeAddress(this.address)} refused this server (another protocol version, or the wrong secret)`));
        this.dropped();
      });
      readFrames(
        socket,
        (frame) => {
          if (!greeted) {
            const hello = (frame as HelloFromEngine).hello;
            if (hello?.v !== PROTOCOL_VERSION) return void socket.destroy();
            greeted = true;
            this.socket = socket;
            this.enginePid = hello.pid;
            this.door = hello.door && Number.isInteger(hello.door.port) ? hello.door : null;
            this.emit("engine", hello.engine);
            return resolve();
          }
          this.frame(frame as Answer | EngineEvent);
        },
        () => {},
      );
    });
  }

  private frame(f: Answer | EngineEvent): void {
    if ("ev" in f) {
      if (f.ev === "patch") this.emit("patch", f.data);
      else if (f.ev === "console") this.emit("console", f.lab, f.node, f.data, f.seq);
      else if (f.ev === "console-gap") this.emit("console-gap", f.lab, f.node);
      else if (f.ev === "capture-rows") this.emit("capture-rows", f.lab, f.capture, f.rows, f.missed);
      else if (f.ev === "typed") this.emit("typed", f.data);
      return;
    }
    const p = this.pending.get(f.id);
    if (!p) return;
    this.pending.delete(f.id);
    clearTimeout(p.timer);
    if (f.ok) {
      const codec = COMMANDS[p.cmd].answer;
      try {
        p.resolve(codec ? codec.decode(f.value) : undefined);
      } catch (e) {
        p.reject(e as Error);
      }
    } else p.reject(fromWire(f.error));
  }

  private dropped(): void {
    this.socket = null;
    this.ready = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new HostError(`the umlab engine went away during "${p.cmd}"`));
      this.pending.delete(id);
    }
    this.emit("disconnect");
    if (this.closed) return;
    const retry = () => {
      if (this.closed || this.ready) return;
      this.connect().catch(() => setTimeout(retry, 1000).unref());
    };
    setTimeout(retry, 200).unref();
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method below gives the answer its type
  private async call(cmd: Command, args: unknown[]): Promise<any> {
    await this.connect();
    const socket = this.socket;
    if (!socket) throw new HostError("the umlab engine is not connected");
    const spec = COMMANDS[cmd];
    const wire = args.map((a, i) => (spec.args[i] as { encode(v: unknown): unknown }).encode(a));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HostError(`the umlab engine did not answer "${cmd}" in ${REQUEST_TIMEOUT_MS / 60000} minutes`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, cmd, timer });
      writeFrame(socket, { id, cmd, args: wire });
    });
  }

  /** A command with no answer (keystrokes): dropped when the engine is not connected. */
  private tell(cmd: Command, args: unknown[]): void {
    if (this.socket) writeFrame(this.socket, { cmd, args });
  }

  status: EngineApi["status"] = (...a) => this.call("status", a);
  running: EngineApi["running"] = (...a) => this.call("running", a);
  usage: EngineApi["usage"] = (...a) => this.call("usage", a);
  startLab: EngineApi["startLab"] = (...a) => this.call("startLab", a);
  startDown: EngineApi["startDown"] = (...a) => this.call("startDown", a);
  downNodes: EngineApi["downNodes"] = (...a) => this.call("downNodes", a);
  stopLab: EngineApi["stopLab"] = (...a) => this.call("stopLab", a);
  plan: EngineApi["plan"] = (...a) => this.call("plan", a);
  nodeAction: EngineApi["nodeAction"] = (...a) => this.call("nodeAction", a);
  pauseSwitch: EngineApi["pauseSwitch"] = (...a) => this.call("pauseSwitch", a);
  linkAction: EngineApi["linkAction"] = (...a) => this.call("linkAction", a);
  cableAction: EngineApi["cableAction"] = (...a) => this.call("cableAction", a);
  diskAction: EngineApi["diskAction"] = (...a) => this.call("diskAction", a);
  exec: EngineApi["exec"] = (...a) => this.call("exec", a);
  mconsole: EngineApi["mconsole"] = (...a) => this.call("mconsole", a);
  attach: EngineApi["attach"] = (...a) => this.call("attach", a);
  input: EngineApi["input"] = (...a) => this.tell("input", a);
  resize: EngineApi["resize"] = (...a) => this.tell("resize", a);
  playScenario: EngineApi["playScenario"] = (...a) => this.call("playScenario", a);
  stopScenario: EngineApi["stopScenario"] = (...a) => this.call("stopScenario", a);
  scenarioState: EngineApi["scenarioState"] = (...a) => this.call("scenarioState", a);
  kernelUsers: EngineApi["kernelUsers"] = (...a) => this.call("kernelUsers", a);
  kernelList: EngineApi["kernelList"] = (...a) => this.call("kernelList", a);
  buildFastKernel: EngineApi["buildFastKernel"] = (...a) => this.call("buildFastKernel", a);
  buildCustomKernel: EngineApi["buildCustomKernel"] = (...a) => this.call("buildCustomKernel", a);
  removeKernel: EngineApi["removeKernel"] = (...a) => this.call("removeKernel", a);
  kernelsReady: EngineApi["kernelsReady"] = (...a) => this.call("kernelsReady", a);
  imageList: EngineApi["imageList"] = (...a) => this.call("imageList", a);
  buildImage: EngineApi["buildImage"] = (...a) => this.call("buildImage", a);
  addImageRecipe: EngineApi["addImageRecipe"] = (...a) => this.call("addImageRecipe", a);
  removeImageRecipe: EngineApi["removeImageRecipe"] = (...a) => this.call("removeImageRecipe", a);
  imagesReady: EngineApi["imagesReady"] = (...a) => this.call("imagesReady", a);
  removeLabFiles: EngineApi["removeLabFiles"] = (...a) => this.call("removeLabFiles", a);
  pruneNodeFiles: EngineApi["pruneNodeFiles"] = (...a) => this.call("pruneNodeFiles", a);
  rekeyLabFiles: EngineApi["rekeyLabFiles"] = (...a) => this.call("rekeyLabFiles", a);
  snapshots: EngineApi["snapshots"] = (...a) => this.call("snapshots", a);
  takeSnapshot: EngineApi["takeSnapshot"] = (...a) => this.call("takeSnapshot", a);
  restoreSnapshot: EngineApi["restoreSnapshot"] = (...a) => this.call("restoreSnapshot", a);
  removeSnapshot: EngineApi["removeSnapshot"] = (...a) => this.call("removeSnapshot", a);
  copyLabDisks: EngineApi["copyLabDisks"] = (...a) => this.call("copyLabDisks", a);
  takeShareSnapshot: EngineApi["takeShareSnapshot"] = (...a) => this.call("takeShareSnapshot", a);
  removeShareSnapshot: EngineApi["removeShareSnapshot"] = (...a) => this.call("removeShareSnapshot", a);
  copyShareDisks: EngineApi["copyShareDisks"] = (...a) => this.call("copyShareDisks", a);
  mergeNodeDisk: EngineApi["mergeNodeDisk"] = (...a) => this.call("mergeNodeDisk", a);
  exportLabArchive: EngineApi["exportLabArchive"] = (...a) => this.call("exportLabArchive", a);
  unpackLabArchive: EngineApi["unpackLabArchive"] = (...a) => this.call("unpackLabArchive", a);
  adoptLabArchive: EngineApi["adoptLabArchive"] = (...a) => this.call("adoptLabArchive", a);
  dropLabArchive: EngineApi["dropLabArchive"] = (...a) => this.call("dropLabArchive", a);
  startCapture: EngineApi["startCapture"] = (...a) => this.call("startCapture", a);
  stopCapture: EngineApi["stopCapture"] = (...a) => this.call("stopCapture", a);
  removeCapture: EngineApi["removeCapture"] = (...a) => this.call("removeCapture", a);
  watchCapture: EngineApi["watchCapture"] = (...a) => this.call("watchCapture", a);
  captureRecent: EngineApi["captureRecent"] = (...a) => this.call("captureRecent", a);
  exportCapture: EngineApi["exportCapture"] = (...a) => this.call("exportCapture", a);
}
