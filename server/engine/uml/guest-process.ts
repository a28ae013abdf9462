import { writeFileSync } from "node:fs";
import { machine } from "node:os";
import * as pty from "node-pty";
import type { Switch } from "../../model/lab";
import { hostProgram, umlTmpDir } from "../host";
import { descendants, readStat } from "../procs";
import { SANDBOX_PATH, type Sandbox, type SandboxSpec } from "../sandbox";
import { buildUmlArgv, withoutAslr, type UmlLaunch } from "./argv";

export interface GuestTerminal {
  /** The lab's run directory: UML's sockets and umid folder are relative to it. */
  cwd: string;
  /** The lab's disks folder (the node's COW file). */
  disksDir: string;
  /** The preloaded helper (uml/xstate-shim.ts). */
  shim: string;
  cols: number;
  rows: number;
  sandbox: Sandbox;
}

/**
 * A guest's sandbox: its kernel, image, modules disk and preloaded helper
 * read-only, its lab's run directory and disks read-write, its exec
 * channel's and serial lines' ptys. UML's memory file goes to the sandbox's own tmpfs
 * (/dev/shm). A guest plugged into a uml_switch keeps the host's network
 * namespace: UML's daemon transport and uml_switch talk over abstract unix
 * sockets, which belong to a network namespace (sandbox.ts SandboxNet).
 * The guest keeps its console pty's session (window size changes reach UML
 * as SIGWINCH); no other process reads that pty.
 */
export function guestSandbox(launch: UmlLaunch, t: Pick<GuestTerminal, "cwd" | "disksDir" | "shim">, argv: string[]): SandboxSpec {
  return {
    argv,
    cwd: t.cwd,
    readOnly: [launch.kernel, launch.image, ...(launch.modulesDisk ? [launch.modulesDisk] : []), t.shim],
    readWrite: [t.cwd, t.disksDir],
    devices: [launch.agentTty, ...launch.serialTtys.values()],
    env: { PATH: SANDBOX_PATH, HOME: t.cwd, TMPDIR: "/dev/shm", LD_PRELOAD: t.shim, UMLAB_RAW_STDIN: "1" },
    net: usesUmlSwitch(launch.node.interfaces, launch.switches) ? "host" : "none",
    keepSession: true,
  };
}

function usesUmlSwitch(interfaces: { switch: string | null }[], switches: ReadonlyMap<string, Switch>): boolean {
  return interfaces.some((i) => i.switch !== null && switches.get(i.switch)?.kind === "uml_switch");
}

/**
 * How much guests yield to the rest (nice(1)): busy guests must not slow the
 * engine, the switches, the web server and the browser that show them (a
 * keystroke's echo, a capture's rows, a teacher's board, the API while a
 * class of 120 routers boots). Among themselves guests share as before; on
 * an idle host it changes nothing.
 */
export const GUEST_NICE = 10;

/**
 * Starts a guest's linux.uml on a pty of its own, the node's console, in its
 * sandbox: without address-space randomisation (see ARCHITECTURE.md), with
 * the preloaded helper, which also makes the host side of the pty raw, and
 * with UML's memory files on tmpfs.
 */
export function spawnGuest(launch: UmlLaunch, t: GuestTerminal): pty.IPty {
  const argv = [hostProgram("nice"), "-n", String(GUEST_NICE), ...withoutAslr(buildUmlArgv(launch), hostProgram("setarch"), machine())];
  const spec = guestSandbox(launch, t, argv);
  // Outside a sandbox (the bench's comparison only), the memory file goes where it always did.
  if (!t.sandbox.enabled) spec.env.TMPDIR = umlTmpDir();
  const run = t.sandbox.wrap(spec);
  const p = pty.spawn(run.argv[0], run.argv.slice(1), { name: "xterm-256color", cols: t.cols, rows: t.rows, cwd: t.cwd, env: run.env });
  yieldGroups(p.pid);
  return p;
}

/**
 * A guest is a session of its own (UML leads a session of its own, below its
 * pty's), and so, where the kernel groups sessions (sched_autogroup, on in
 * Debian's and Ubuntu's kernels), a scheduling group of its own that gets as
 * much of the CPU as the engine's whole session, whatever the guest's nice:
 * measured here, four busy sessions at nice 10 left a busy process at nice 0
 * 40 % of a core, not all of it. So each session of the guest's is given the
 * guests' nice too, as it appears (UML makes its own early in its boot);
 * before its setsid a child's group is still the engine's, so only a process
 * that leads its session is touched. Where there are no such groups, or this
 * is not allowed, nice alone does what it can.
 */
function yieldGroups(pid: number, until = Date.now() + GROUP_WATCH_MS, done = new Set<number>()): void {
  for (const p of [pid, ...descendants(pid)]) {
    if (done.has(p) || readStat(p)?.sid !== p) continue;
    done.add(p);
    try {
      writeFileSync(`/proc/${p}/autogroup`, String(GUEST_NICE));
    } catch {
      // no autogroups in this kernel, or not ours to change
    }
  }
  // The pty's session and UML's: both seen, or the guest is gone, or long enough.
  if (done.size < 2 && readStat(pid) && Date.now() < until) setTimeout(() => yieldGroups(pid, until, done), 20).unref();
}

/** How long a starting guest is watched for the sessions it makes. */
const GROUP_WATCH_MS = 10_000;
