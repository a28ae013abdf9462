import { EventEmitter } from "node:events";
import type { Sandbox } from "../sandbox";
import type { SwitchProcess } from "../switch/switch-process";
import { VdePlug } from "./vde-plug";

/**
 * A tap on one link of a vde switch: the node's port sits in a VLAN with the
 * tap's near plug only, and the far plug takes the node's place on the rest
 * of the switch. Every frame crosses the engine, which copies it to the
 * other plug and tells its listeners, with its direction. The switch
 * forwards as before: only which port stands for the node changed.
 * Events: "frames" (Buffer[], views into the stream: "in" | "out"), "exit"
 * (why: a plug died).
 */
export class LinkTap extends EventEmitter {
  readonly near: VdePlug;
  readonly far: VdePlug;

  constructor(runDir: string, sw: SwitchProcess, nearPort: number, farPort: number, sandbox: Sandbox) {
    super();
    this.near = new VdePlug(runDir, sw, nearPort, sandbox);
    this.far = new VdePlug(runDir, sw, farPort, sandbox);
    // Relayed as they came, a chunk of frames per write; the listeners get views of the frames (copy what is kept).
    this.near.on("frames", (wire: Buffer, frames: Buffer[]) => {
      this.far.write(wire, frames.length);
      this.emit("frames", frames, "out");
    });
    this.far.on("frames", (wire: Buffer, frames: Buffer[]) => {
      this.near.write(wire, frames.length);
      this.emit("frames", frames, "in");
    });
    for (const p of [this.near, this.far]) p.on("exit", (why: string) => this.emit("exit", why));
  }

  get pids(): number[] {
    return [this.near.pid, this.far.pid].filter((p): p is number => p !== null);
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.near.start(), this.far.start()]);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.near.removeAllListeners("exit");
    this.far.removeAllListeners("exit");
    await Promise.all([this.near.stop(), this.far.stop()]);
  }
}
