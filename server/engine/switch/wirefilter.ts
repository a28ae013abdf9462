import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "../host";
import { runRel } from "../paths";
import { startHelper } from "../helper-process";
import { helperSandbox, Sandbox } from "../sandbox";
import { endProcess } from "../procs";
import type { Impairment } from "../../model/link";
import { buildWirefilterArgv, wirefilterCommands } from "./argv";
import { SwitchError } from "./switch-process";
import { expectOk, mgmtSession } from "./vde-mgmt";

/**
 * A wirefilter (vde2) joining two ports of one vde switch: frames crossing it
 * are lost, delayed, throttled or duplicated. Its stdin is a pipe from the
 * engine: wirefilter ends when it closes, so it does not outlive the server.
 */
export class Wirefilter {
  private child: ChildProcess | null = null;

  constructor(
    private readonly runDir: string,
    readonly sw: string,
    /** The port on the node's side, and the port on the rest of the switch's. */
    readonly near: number,
    readonly far: number,
    private readonly sandbox: Sandbox = Sandbox.host(),
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private get mgmtRel(): string {
    return runRel.wirefilterMgmt(this.sw, this.near);
  }

  async start(imp: Impairment): Promise<void> {
    rmSync(join(this.runDir, this.mgmtRel), { force: true });
    const argv = buildWirefilterArgv(hostProgram("wirefilter"), this.sw, this.near, this.far, imp);
    // Both plugs are open once the management socket exists.
    const helper = await startHelper(this.sandbox.wrap(helperSandbox(argv, this.runDir)), this.runDir, join(this.runDir, this.mgmtRel));
    this.child = helper.child;
    if (helper.failure) {
      await this.stop();
      // Its usage text follows the reason on a failure: keep the reason.
      const why = helper.failure instanceof Error ? helper.failure.message : helper.stderr().split("\nUsage:")[0].trim() || "it did not create its management socket within 5 s";
      throw new SwitchError(`wirefilter on ${this.sw} ports ${this.near}/${this.far} failed to start: ${why}`);
    }
  }

  /** New parameters, live. */
  async set(imp: Impairment): Promise<void> {
    const commands = wirefilterCommands(imp);
    expectOk(commands, await mgmtSession(this.runDir, this.mgmtRel, commands));
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child?.pid) {
      child.stdin?.destroy();
      await endProcess(child.pid, 2000);
    }
    rmSync(join(this.runDir, this.mgmtRel), { force: true });
  }
}
