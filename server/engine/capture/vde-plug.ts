import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { hostProgram } from "../host";
import { runRel } from "../paths";
import { endHelper } from "../helper-process";
import { sleep } from "../procs";
import { helperSandbox, type Sandbox } from "../sandbox";
import type { SwitchProcess } from "../switch/switch-process";
import { FrameSplitter } from "./frames";

/** Bytes waiting for a plug's stdin past which frames are dropped, as a congested wire drops them: never an unbounded backlog. */
const MAX_PENDING = 1 << 20;

/**
 * One `vde_plug` on a port of a vde switch, its frames on a pipe each way
 * (2-byte length, then the frame). Events: "frames" (the bytes of whole
 * frames as they came, and a view of each frame: what a relay writes on as
 * one piece, and what a capture copies), "exit" (why). Its stdin is the
 * engine's pipe: it ends with the server.
 */
export class VdePlug extends EventEmitter {
  private child: ChildProcess | null = null;
  private stderr = "";
  /** Frames not written because its stdin was full. */
  dropped = 0;

  constructor(
    private readonly runDir: string,
    readonly sw: SwitchProcess,
    readonly port: number,
    private readonly sandbox: Sandbox,
  ) {
    super();
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Plugs in and waits until the switch shows it on its port. */
  async start(): Promise<void> {
    const argv = [hostProgram("vde_plug"), "--descr", "umlab-capture", runRel.vdePort(this.sw.sw.name, this.port)];
    const { argv: cmd, env } = this.sandbox.wrap(helperSandbox(argv, this.runDir));
    const child = spawn(cmd[0], cmd.slice(1), { cwd: this.runDir, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    const reader = new FrameSplitter();
    child.stdout!.on("data", (chunk: Buffer) => {
      const { wire, frames } = reader.push(chunk);
      if (frames.length) this.emit("frames", wire, frames);
      if (reader.error) void this.stop();
    });
    child.stderr!.on("data", (d) => (this.stderr = (this.stderr + d).slice(-2000)));
    for (const s of [child.stdin!, child.stdout!, child.stderr!]) s.on("error", () => {});
    let spawnError: Error | null = null;
    child.on("error", (e) => (spawnError = e));
    child.on("exit", (code, sig) => {
      if (this.child === child) {
        this.child = null;
        this.emit("exit", reader.error ?? `vde_plug exited (${sig ?? code})${this.stderr ? `: ${this.stderr.trim().slice(-200)}` : ""}`);
      }
    });
    for (let waited = 0; ; waited += 50) {
      if (spawnError) throw new Error(`vde_plug did not start: ${(spawnError as Error).message}`);
      if (!this.child) throw new Error(`vde_plug on ${this.sw.sw.name} port ${this.port} exited: ${this.stderr.trim() || "no reason given"}`);
      if (await this.plugged()) return;
      if (waited > 5000) {
        await this.stop();
        throw new Error(`vde_plug on ${this.sw.sw.name} port ${this.port} did not plug in within 5 s`);
      }
      await sleep(50);
    }
  }

  /** The switch lists an endpoint on the port. */
  private async plugged(): Promise<boolean> {
    const [reply] = await this.sw.mgmt([`port/print ${this.port}`], { 0: [1006] }).catch(() => [null]);
    return !!reply && reply.data.some((l) => l.includes("endpoint"));
  }

  /** Whole frames, lengths included, into the switch in one write; dropped when the plug cannot keep up. */
  write(wire: Buffer, frames: number): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return;
    if (stdin.writableLength > MAX_PENDING) {
      this.dropped += frames;
      return;
    }
    stdin.write(wire);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await endHelper(child);
  }
}
