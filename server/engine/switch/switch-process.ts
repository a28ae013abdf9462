import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HostTap, Switch } from "../../model/lab";
import { hostProgram } from "../host";
import { runRel } from "../paths";
import { startHelper } from "../helper-process";
import { makeRingDir } from "../capture/switch-rings";
import { helperSandbox, Sandbox } from "../sandbox";
import { descendants, endProcess, signal, waitFor } from "../procs";
import { buildSwitchArgv, switchReadyPath } from "./argv";
import { numportsFor, SwitchPorts } from "./ports";
import { expectOk, mgmtSession, type MgmtReply } from "./vde-mgmt";

export class SwitchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SwitchError";
  }
}

/** A running vde_switch or uml_switch of a lab. */
export class SwitchProcess {
  private child: ChildProcess | null = null;
  private helperStderr: () => string = () => "";
  paused = false;
  /** A vde switch's numbered ports: every node interface plugged into it has its own. */
  readonly ports = new SwitchPorts();
  /** How many ports the running vde switch has (valid ports: 0…numports-1). */
  numports = 0;

  /** A vde switch's capture plugin (capture/switch-tap.c), bound into its sandbox; or why it is missing. */
  plugin: { path: string } | { error: string } = { error: "the switch has not started" };

  constructor(
    readonly sw: Switch,
    private readonly runDir: string,
    readonly sandbox: Sandbox = Sandbox.host(),
    /** Builds (or finds built) the capture plugin: for vde switches. */
    private readonly buildPlugin: (() => string) | null = null,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async start(): Promise<void> {
    // A tap device is made by the switch through /dev/net/tun, which takes CAP_NET_ADMIN.
    if (this.sw.tap && process.getuid?.() !== 0)
      throw new SwitchError(`switch ${this.sw.name}: a host tap (${this.sw.tap.name}) needs root: run umlab as root, or take the tap off the switch`);
    mkdirSync(join(this.runDir, "sw"), { recursive: true });
    // The sandbox's user works in the run directory and makes its sockets under sw/ (LabRun owns the whole run directory already).
    this.sandbox.own(this.runDir);
    this.sandbox.own(join(this.runDir, "sw"));
    this.removeSockets();
    this.numports = numportsFor(this.ports.highest);
    const argv = buildSwitchArgv(this.sw, { vde_switch: hostProgram("vde_switch"), uml_switch: hostProgram("uml_switch") }, this.numports);
    // uml_switch talks to its guests over abstract unix sockets, which belong to a network namespace: it shares the guests' (the host's, see uml/guest-process.ts).
    const net = this.sw.tap ? "host-tap" : this.sw.kind === "uml_switch" ? "host" : "none";
    // A switch without the plugin runs all the same: only its captures fail, and say why.
    if (this.sw.kind === "vde")
      try {
        this.plugin = this.buildPlugin ? { path: this.buildPlugin() } : { error: "the switch was started without umlab's capture plugin" };
      } catch (e) {
        this.plugin = { error: `umlab's capture plugin could not be built: ${(e as Error).message.split("\n")[0]}` };
      }
    const readOnly = "path" in this.plugin ? [this.plugin.path] : [];
    // The plugin fills its captures' rings there (capture/switch-rings.ts).
    const readWrite = "path" in this.plugin ? [makeRingDir(this.runDir, this.sandbox)] : [];
    const helper = await startHelper(this.sandbox.wrap(helperSandbox(argv, this.runDir, { net, readOnly, readWrite })), this.runDir, join(this.runDir, switchReadyPath(this.sw)));
    this.child = helper.child;
    this.helperStderr = helper.stderr;
    if (helper.failure) {
      await this.stop();
      const why = helper.failure instanceof Error ? helper.failure.message : helper.stderr().trim() || "it did not create its socket within 5 s";
      throw new SwitchError(`switch ${this.sw.name} (${this.sw.kind}) failed to start: ${why}`);
    }
    if (this.sw.tap) {
      // A tap switch runs as root (sandbox.ts): its sockets become the sandbox user's, whose guests plug into them.
      for (const rel of this.sw.kind === "vde" ? [runRel.vdeDir(this.sw.name), runRel.vdeMgmt(this.sw.name)] : [runRel.umlSwitchSock(this.sw.name)]) this.sandbox.own(join(this.runDir, rel), true);
      await this.configureTap(this.sw.tap);
    }
  }

  /** The host's side of the tap: up, with its address when the lab gives one. */
  private async configureTap(tap: HostTap): Promise<void> {
    const dev = `/sys/class/net/${tap.name}`;
    const ip = hostProgram("ip");
    try {
      if (!(await waitFor(() => existsSync(dev), 3000))) throw new Error(this.helperStderr().trim() || `the switch made no interface ${tap.name} within 3 s`);
      if (tap.address) execFileSync(ip, ["addr", "add", tap.address, "dev", tap.name], { stdio: "pipe" });
      execFileSync(ip, ["link", "set", tap.name, "up"], { stdio: "pipe" });
    } catch (e) {
      await this.stop();
      const err = e as Error & { stderr?: Buffer };
      throw new SwitchError(`switch ${this.sw.name}: host tap ${tap.name}: ${err.stderr?.toString().trim() || err.message}`);
    }
  }

  /** Whether its process is alive (it may have ended by itself, or been killed). */
  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGSTOP / SIGCONT: frames stop flowing through the switch, and flow again. */
  setPaused(paused: boolean): void {
    if (!this.child?.pid) throw new SwitchError(`switch ${this.sw.name} is not running`);
    // The spawned pid is the sandbox's bwrap: the switch is its descendant, and stopping bwrap alone stops no frame.
    signal([this.child.pid, ...descendants(this.child.pid)], paused ? "SIGSTOP" : "SIGCONT");
    this.paused = paused;
  }

  /**
   * Commands to a running vde switch's management console; an answer other
   * than success (or a code `allowed` for that command) is an error.
   */
  async mgmt(commands: string[], allowed: Record<number, number[]> = {}): Promise<MgmtReply[]> {
    if (this.sw.kind !== "vde" || !this.child?.pid) throw new SwitchError(`switch ${this.sw.name} is not a running vde switch`);
    const replies = await mgmtSession(this.runDir, runRel.vdeMgmt(this.sw.name), commands);
    expectOk(commands, replies, allowed);
    return replies;
  }

  /** Grows a running vde switch when a port was handed out beyond its last one. */
  async fitPorts(): Promise<void> {
    if (this.sw.kind !== "vde" || !this.child?.pid || this.ports.highest < this.numports) return;
    const numports = numportsFor(this.ports.highest);
    await this.mgmt([`port/setnumports ${numports}`]);
    this.numports = numports;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child?.pid) {
      if (this.paused) signal([child.pid, ...descendants(child.pid)], "SIGCONT");
      child.stdin?.destroy();
      await endProcess(child.pid, 2000);
    }
    this.paused = false;
    this.removeSockets();
  }

  private removeSockets(): void {
    const rel = this.sw.kind === "vde" ? [runRel.vdeDir(this.sw.name), runRel.vdeMgmt(this.sw.name)] : [runRel.umlSwitchSock(this.sw.name)];
    for (const r of rel) rmSync(join(this.runDir, r), { recursive: true, force: true });
  }
}
