import { EventEmitter } from "node:events";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type * as pty from "node-pty";
import type { Node } from "../../model/lab";
import { buildConfigDisk } from "../disk/config-disk";
import { NodeDisk } from "../disk/node-disk";
import { guestLoopsPerJiffy } from "../host";
import { resolveKernel } from "../kernel/kernels";
import { modulesDisk } from "../kernel/modules-disk";
import { resolveImage } from "../image/images";
import { runRel } from "../paths";
import { endSession, sandboxedPid, sessionMembers, waitFor } from "../procs";
import { AgentChannel, type ExecResult } from "./agent";
import { bootGate } from "./boot-gate";
import { ConsoleBuffer } from "./console-buffer";
import { GuestWatch } from "./guest-watch";
import { spawnGuest } from "./guest-process";
import { NodeError, type NodeContext, type NodeState, type NodeStatus } from "./node-types";
import { checkConfigRequest, mconsole, type MconsoleCommand, type MconsoleReply } from "./mconsole";
import { NodeDisks } from "./node-disks";
import type { RebootCause, RebootInfo } from "./reboot-watch";
import { xstateShim } from "./xstate-shim";
import { explainPtyFailure } from "./host-ptys";

/** What start() checked before the node queued for its boot. */
interface Prepared {
  image: string;
  kernel: ReturnType<typeof resolveKernel>;
  shim: string;
  modules: ReturnType<typeof modulesDisk>;
}

const TYPE_AHEAD_LIMIT = 64 * 1024;
const MAX_HUNG_RESTARTS = 2;
/** A guest that died in its watchdog's reboot is started again this many times in WATCHDOG_RESTARTS_WINDOW_MS, then left crashed. */
const MAX_WATCHDOG_RESTARTS = 3;
const WATCHDOG_RESTARTS_WINDOW_MS = 10 * 60_000;
/** A boot slot is held at most this long (a guest starved or hung past it boots on without one). */
const BOOT_SLOT_MAX_MS = 10000;
/** A pty this long without output after its guest exited has given all it had. */
const QUIET_MS = 20;

export { NodeError, type NodeContext, type NodeState, type NodeStatus } from "./node-types";

/**
 * One UML guest: its linux.uml on a pty (the user's console), its exec
 * channel, its COW disk, and the state a person sees. Events: "state"
 * (NodeStatus) and "data" (console output).
 */
export class UmlNode extends EventEmitter {
  state: NodeState = "stopped";
  reason: string | null = null;
  readonly console = new ConsoleBuffer();
  private proc: pty.IPty | null = null;
  /** The linux.uml inside its sandbox, once found (proc.pid is the sandbox's bwrap). */
  private program: number | null = null;
  private agent: AgentChannel | null = null;
  private stopping = false;
  /** Frozen by an mconsole `stop` (a person's, or a snapshot's) until its `go`. */
  frozen = false;
  private typedAhead = "";
  /** When the console last printed (performance.now()). */
  private lastOutput = 0;

  /** The lab's disks in its slots while it runs. */
  readonly disks: NodeDisks;
  /** Its last reboot from inside since a person started it (a watchdog's, say), or null. */
  lastReboot: RebootInfo | null = null;
  /** What watches the current launch (console log, nudges, a hung boot, reboots). */
  private watch: GuestWatch | null = null;
  private hung = false;
  private hungRestarts = 0;
  /** When the engine last started the guest again after it died in its watchdog's reboot: a few, not a loop. */
  private watchdogRestarts: number[] = [];
  /** Counts start() calls: a start that waited for its boot slot sees whether a stop or another start came meanwhile. */
  private attempt = 0;
  private exited: Promise<void> = Promise.resolve();
  cols = 80;
  rows = 24;

  constructor(
    public node: Node,
    private readonly ctx: NodeContext,
  ) {
    super();
    this.disks = new NodeDisks({
      node: node.name,
      files: ctx.extraDisks,
      disk: (name) => ctx.disk(name),
      sandbox: ctx.sandbox,
      mconsole: (cmd) => this.sendMconsole(cmd),
      lockedOut: (name) => this.lockedOut(name),
      changed: () => this.emit("state", this.status()),
    });
  }

  get name(): string {
    return this.node.name;
  }

  get labName(): string {
    return this.ctx.lab;
  }

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** The guest's main linux.uml process (signals such as SIGIO go to it, not to its sandbox); null until its sandbox is up. */
  programPid(): number | null {
    const proc = this.proc;
    if (!proc) return null;
    if (!this.ctx.sandbox.enabled) return proc.pid;
    this.program ??= sandboxedPid(proc.pid);
    return this.program;
  }

  get cowPath(): string {
    return this.disk.cow;
  }

  private get disk(): NodeDisk {
    return new NodeDisk(this.ctx.disksDir, this.name);
  }

  status(): NodeStatus {
    return { name: this.name, state: this.state, pid: this.pid, reason: this.reason, disks: this.isUp ? this.disks.list() : [], reboot: this.lastReboot };
  }

  get isUp(): boolean {
    return this.state === "booting" || this.state === "running";
  }

  /**
   * Boots the guest. What can be checked at once (its image, kernel and
   * modules) is, and throws; then the node is "booting" and waits for a boot
   * slot (uml/boot-gate.ts) before its guest is launched, so this resolves
   * before the guest runs (`waitRunning`). A stop while it waits cancels the
   * launch; a launch that fails leaves the node crashed, saying why. The slot
   * is given back when the guest runs or exits, or after BOOT_SLOT_MAX_MS at
   * most, so one slow guest never holds up the rest.
   */
  async start(): Promise<void> {
    if (this.isUp) return;
    const prepared = {
      image: this.backingImage(),
      kernel: resolveKernel(this.ctx.root, this.node.kernel),
      shim: xstateShim(this.ctx.root),
    };
    const modules = modulesDisk(this.ctx.root, prepared.kernel);
    const attempt = ++this.attempt;
    this.frozen = false;
    this.lastReboot = null;
    this.setState("booting");
    void this.launchInTurn(attempt, { ...prepared, modules });
  }

  private async launchInTurn(attempt: number, prepared: Prepared): Promise<void> {
    const release = await bootGate.acquire();
    const stale = () => this.attempt !== attempt || this.state !== "booting";
    try {
      if (stale()) return release();
      await this.launch(prepared, stale, release);
    } catch (e) {
      release();
      if (stale()) return;
      this.reason = (explainPtyFailure(e) as Error).message;
      this.setState("crashed");
    }
  }

  private async launch({ image, kernel, shim, modules }: Prepared, stale: () => boolean, release: () => void): Promise<void> {
    const { runDir, disksDir, sandbox, root } = this.ctx;
    mkdirSync(join(runDir, runRel.nodeDir(this.name)), { recursive: true });
    // A guest that crashed left its umid folder: its pid file names the pid it had in its sandbox
    // (2, say), alive again in the new one, and UML would take a random umid (no machine console where the engine looks).
    rmSync(dirname(join(runDir, runRel.mconsole(this.name))), { recursive: true, force: true });
    mkdirSync(disksDir, { recursive: true });
    // The sandbox's user writes the COW file and reads the rest.
    sandbox.own(disksDir);
    sandbox.own(this.cowPath);
    for (const file of [disksDir, runDir, shim, kernel.binary, image, ...(modules ? [modules] : [])]) sandbox.reach(file, root);
    const disks = await this.disks.forBoot(this.node.disks);
    if (stale()) return release();
    await buildConfigDisk(this.node, this.ctx.shared, join(runDir, runRel.nodeDir(this.name)), join(runDir, runRel.configDisk(this.name)));
    if (stale()) return release();
    // The channel holds open ptys: it must be closed on every path that fails below.
    const agent = new AgentChannel();
    let proc: pty.IPty;
    try {
      const serialTtys = this.ctx.serialTtys(this.name);
      for (const tty of [agent.ttyPath, ...serialTtys.values()]) sandbox.own(tty);
      const launch = {
        kernel: kernel.binary,
        modulesDisk: modules,
        lab: this.ctx.lab,
        node: this.node,
        cow: this.cowPath,
        image,
        agentTty: agent.ttyPath,
        serialTtys,
        disks,
        lpj: guestLoopsPerJiffy(),
        switches: this.ctx.switches,
        ports: this.ctx.ports(this.name),
      };
      proc = spawnGuest(launch, { cwd: runDir, disksDir, shim, cols: this.cols, rows: this.rows, sandbox });
    } catch (e) {
      agent.close();
      throw new NodeError(`node ${this.name}: cannot start linux.uml: ${(e as Error).message}`);
    }
    this.proc = proc;
    this.program = null;
    this.agent = agent;
    this.stopping = false;
    this.reason = null;
    const watch = new GuestWatch({ log: join(runDir, runRel.consoleLog(this.name)), mconsole: join(runDir, runRel.mconsole(this.name)) }, agent, {
      program: () => (this.proc === proc ? this.programPid() : null),
      running: () => this.state === "running",
      booting: () => this.state === "booting" && this.proc === proc,
      hung: () => {
        this.hung = true;
        process.kill(proc.pid, "SIGKILL");
      },
      rebooted: (cause, back) => {
        if (this.proc === proc) this.rebooted(cause, agent, back);
      },
    });
    this.watch = watch;
    proc.onData((d) => {
      this.lastOutput = performance.now();
      watch.sawOutput(d);
      this.disks.sawOutput(d);
      this.console.push(d);
      this.emit("data", d);
    });
    const slotTimer = setTimeout(release, BOOT_SLOT_MAX_MS);
    slotTimer.unref();
    const free = () => {
      clearTimeout(slotTimer);
      release();
    };
    this.exited = new Promise((resolve) => {
      proc.onExit(({ exitCode, signal }) => {
        free();
        // bwrap ends with 128 + N when its program is killed by signal N.
        if (sandbox.enabled && !signal && exitCode > 128 && exitCode < 160) [exitCode, signal] = [0, exitCode - 128];
        void this.onExit(proc.pid, exitCode, signal).then(resolve);
      });
    });
    // Again, now with its pid.
    this.setState("booting");
    void agent.whenReady().then(() => {
      free();
      if (this.proc === proc && this.state === "booting") {
        this.setState("running");
        watch.reboots.booted();
      }
    });
  }

  /** Says on the console, where the failed mount was typed, who has the disk and what to do. */
  private lockedOut(name: string): void {
    const holder = this.ctx.diskHolder(name);
    const who = holder === null ? "another node" : holder === this.name ? "this node already (in another slot?)" : `node ${holder}`;
    const text = `\r\n[umlab: disk ${name} is held by ${who}: a shared disk opens in one node at a time. It opens here once ${holder && holder !== this.name ? holder : "that node"} lets it go (unmounts it, stops or crashes).]\r\n`;
    this.console.push(text);
    this.watch?.log.write(text);
    this.emit("data", text);
  }

  /**
   * The guest rebooted from inside (UML runs itself again in the same
   * process, with the same command line): it boots again with the disks it
   * started with, and runs once its exec agent is back.
   */
  private rebooted(cause: RebootCause, agent: AgentChannel, back: boolean): void {
    this.lastReboot = { cause, at: Date.now(), count: (this.lastReboot?.count ?? 0) + 1 };
    this.frozen = false;
    this.disks.rebooted();
    // Requests sent to the old boot get no answer; the new agent's announcement, if it came already, stands.
    if (!back) agent.guestGone(cause === "watchdog" ? "the node was rebooted by its watchdog" : "the node rebooted");
    this.setState("booting");
    void agent.whenReady().then(() => {
      if (this.agent !== agent || this.state !== "booting") return;
      this.setState("running");
      this.watch?.reboots.booted();
    });
  }

  private backingImage(): string {
    const b = this.disk.backing(() => resolveImage(this.ctx.root, this.node.image));
    if ("gone" in b) throw new NodeError(`node ${this.name}: its disk was made over ${b.gone}, which is gone; wipe the node's disk to start it afresh`);
    return b.image;
  }

  private async onExit(pid: number, exitCode: number, signal?: number): Promise<void> {
    // The guest's other host processes may outlive the main one; the pty may
    // still hold the last lines it printed (a panic's reason), and has them
    // once it has been quiet a moment. A guest killed from outside was quiet
    // long before: its state shows at once (a teacher's board waits on it).
    await endSession(pid, 1000);
    await waitFor(() => performance.now() - this.lastOutput >= QUIET_MS, 100, 10);
    const watchdog = this.watch?.reboots.watchdogFired() ?? false;
    this.watch?.stop();
    this.watch = null;
    this.disks.clear();
    this.agent?.close();
    this.agent = null;
    this.proc = null;
    this.program = null;
    const hung = this.hung;
    this.hung = false;
    if (this.stopping) {
      this.setState("stopped");
    } else if (hung && this.hungRestarts < MAX_HUNG_RESTARTS) {
      // Started again as if nothing happened: the node is still booting.
      this.hungRestarts++;
      await this.startAgain("the guest hung while booting");
    } else if (hung) {
      this.reason = `the guest hung while booting ${MAX_HUNG_RESTARTS + 1} times (no output for 60 s). Last console lines:\n${this.console.tail(15)}`;
      this.setState("crashed");
    } else if (!signal && exitCode === 0) {
      this.setState("halted");
    } else if (watchdog && this.watchdogRestarts.filter((t) => Date.now() - t < WATCHDOG_RESTARTS_WINDOW_MS).length < MAX_WATCHDOG_RESTARTS) {
      // softdog fired and UML died on its way down (it restarts from the watchdog's timer interrupt, and its cleanup
      // there can abort): the watchdog asked for a reboot, and the node gets one, from outside.
      const reboot = { cause: "watchdog" as const, at: Date.now(), count: (this.lastReboot?.count ?? 0) + 1 };
      this.watchdogRestarts = [...this.watchdogRestarts.slice(-MAX_WATCHDOG_RESTARTS), Date.now()];
      if (await this.startAgain("the guest died as its watchdog rebooted it")) this.lastReboot = reboot;
    } else {
      const how = signal ? `killed by signal ${signal}` : `exited with code ${exitCode}`;
      this.reason = `linux.uml ${how}. Last console lines:\n${this.console.tail(15)}`;
      this.setState("crashed");
    }
  }

  /** The engine starts a guest that ended again, saying why on its console; false (the node crashed) if it cannot. */
  private async startAgain(why: string): Promise<boolean> {
    this.console.push(`\r\n[umlab: ${why}; starting it again]\r\n`);
    this.state = "stopped";
    try {
      await this.start();
      return true;
    } catch (e) {
      this.reason = (e as Error).message;
      this.setState("crashed");
      return false;
    }
  }

  /** Halt through the machine console, then SIGTERM, then SIGKILL every process of the guest. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) {
      if (this.state !== "stopped") this.setState("stopped");
      return;
    }
    this.stopping = true;
    const pid = proc.pid;
    try {
      await this.mconsole({ op: "halt" }, 2000);
    } catch {
      // no machine console yet (early boot) or no answer: signals below
    }
    const halted = await waitFor(() => sessionMembers(pid).length === 0, 3000);
    if (!halted) await endSession(pid, 2000);
    await this.exited;
  }

  /** Its serial line moved bytes: keep the guest from sleeping on a lost wakeup, as for its console. */
  nudge(): void {
    this.watch?.nudger.sawOutput();
  }

  /** Kills the guest from outside, as a crash would (fault injection). */
  crash(): void {
    if (this.proc) process.kill(this.programPid() ?? this.proc.pid, "SIGKILL");
  }

  async wipe(): Promise<void> {
    if (this.isUp) throw new NodeError(`node ${this.name} is running: stop it before wiping its disk`);
    this.disk.wipe();
  }

  /**
   * A machine console request of a person's (or the engine's own): a disk
   * plugged in or out goes through the node's disks, so it can only be one
   * of the lab's and what the guest holds stays known.
   */
  async mconsole(cmd: MconsoleCommand, timeoutMs = 5000): Promise<MconsoleReply> {
    if (!this.proc) throw new NodeError(`node ${this.name} is not running`);
    const handled = await this.disks.request(cmd, this.ctx.runDir);
    if (handled) return handled;
    // The lab's folder holds its run directory and its disks.
    if (cmd.op === "config") checkConfigRequest(cmd, this.ctx.runDir, dirname(this.ctx.runDir));
    return this.sendMconsole(cmd, timeoutMs);
  }

  private sendMconsole(cmd: MconsoleCommand, timeoutMs = 5000): Promise<MconsoleReply> {
    if (!this.proc) return Promise.reject(new NodeError(`node ${this.name} is not running`));
    return mconsole(this.ctx.runDir, runRel.mconsole(this.name), cmd, timeoutMs, this.ctx.sandbox.enabled ? this.programPid() : null).then((reply) => {
      if (reply.ok && (cmd.op === "stop" || cmd.op === "go")) this.frozen = cmd.op === "stop";
      return reply;
    });
  }

  async exec(script: string, timeoutS = 60): Promise<ExecResult> {
    // A node still waiting for its boot slot has no exec channel yet.
    if (this.state === "booting" && !this.agent) await this.waitRunning();
    const agent = this.agent;
    if (!agent || !this.isUp) throw new NodeError(`node ${this.name} is not running`);
    await agent.whenReady();
    return agent.exec(script, timeoutS);
  }

  /** Resolves when the node is running (its agent answered); rejects if it stops or crashes first. */
  waitRunning(timeoutMs = 60000): Promise<void> {
    if (this.state === "running") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("state", onState);
        reject(new NodeError(`node ${this.name} did not come up within ${timeoutMs} ms (state ${this.state})`));
      }, timeoutMs);
      const onState = (s: NodeStatus) => {
        if (s.state === "running") resolve();
        else if (s.state !== "booting") reject(new NodeError(`node ${this.name} ${s.state} while booting${s.reason ? `: ${s.reason}` : ""}`));
        else return;
        clearTimeout(timer);
        this.off("state", onState);
      };
      this.on("state", onState);
    });
  }

  /**
   * Keystrokes for the console. While the guest boots they are kept and given
   * to it once it runs: its console may not be read yet, and a person who
   * types ahead expects the input to land.
   */
  write(data: string): void {
    if (this.state === "booting") {
      if (this.typedAhead.length + data.length <= TYPE_AHEAD_LIMIT) this.typedAhead += data;
      return;
    }
    this.proc?.write(data);
    this.watch?.nudger.sawInput();
  }

  /**
   * The console's size. A resize reaches UML as SIGWINCH, which panics a
   * guest still early in its boot ("Segfault with no mm" in winch/do_IRQ): so
   * while it boots the size is only kept, and given to it once it runs.
   */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    if (this.state === "running") this.applySize();
  }

  private applySize(): void {
    try {
      this.proc?.resize(this.cols, this.rows);
    } catch {
      // the pty closed under us
    }
  }

  private setState(state: NodeState): void {
    this.state = state;
    if (state === "running") {
      this.hungRestarts = 0;
      if (this.proc && (this.proc.cols !== this.cols || this.proc.rows !== this.rows)) this.applySize();
      if (this.typedAhead) this.proc?.write(this.typedAhead);
    }
    if (state !== "booting") this.typedAhead = "";
    if (state !== "crashed") this.reason = null;
    this.emit("state", this.status());
  }
}
