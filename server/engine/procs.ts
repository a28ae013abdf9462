import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * A UML guest is several host processes (the kernel, its helpers and one
 * process per guest address space) that share the session of the main
 * linux.uml, which node-pty makes a session leader. Ending a guest means
 * ending every member of that session, found by pid through /proc: among
 * the leader's descendants (cheap), or with `thorough` among every process
 * (a member its parent left is no descendant any more).
 */
export function sessionMembers(sid: number, thorough = false): number[] {
  if (!thorough && CHILDREN_LISTED)
    return [sid, ...descendants(sid)].filter((p) => {
      const st = readStat(p);
      return st !== null && st.sid === sid && st.state !== "Z";
    });
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.sid === sid && stat.state !== "Z") pids.push(Number(entry));
  }
  return pids;
}

/** A process's state, parent, group, session and start time (clock ticks after boot: with the pid, it names one process for good). */
export function readStat(pid: number): { ppid: number; pgrp: number; sid: number; state: string; start: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), sid: Number(fields[3]), start: Number(fields[19]) };
}

/** A process's command name (its program's file name, at most 15 characters), or null when it is gone. */
export function commOf(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
  } catch {
    return null;
  }
}

/**
 * Whether the kernel lists each thread's children (/proc/PID/task/TID/children,
 * CONFIG_PROC_CHILDREN). Then a process's descendants are read from its own
 * files, not found by reading every process's stat: with a thousand guests
 * (seven processes each) that scan took tens of milliseconds, once per guest
 * at least, and turned a 1,000-node start quadratic.
 */
const CHILDREN_LISTED = (() => {
  try {
    readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8");
    return true;
  } catch {
    return false;
  }
})();

/** A process's children (those of all its threads); empty when it is gone. */
export function childrenOf(pid: number): number[] {
  if (!CHILDREN_LISTED) return scanChildren().get(pid) ?? [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ")) if (c.trim()) out.push(Number(c));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out.filter((c) => readStat(c)?.state !== "Z");
}

/** Every live process descended from `pid`. */
export function descendants(pid: number): number[] {
  const scanned = CHILDREN_LISTED ? null : scanChildren();
  const children = (p: number) => (scanned ? (scanned.get(p) ?? []) : childrenOf(p));
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children(p)) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Every live process's children, from every process's stat (where the kernel lists no children). */
function scanChildren(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat || stat.state === "Z") continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  return children;
}

/**
 * The program a sandbox runs (sandbox.ts), found from the pid the engine
 * spawned: that bwrap forks a second one, pid 1 of the sandbox's pid
 * namespace, whose child is the program. Null while the sandbox is still
 * being set up (or is gone).
 */
export function sandboxedPid(outer: number): number | null {
  if (commOf(outer) !== "bwrap") return null;
  const init = childrenOf(outer)[0];
  if (init === undefined || commOf(init) !== "bwrap") return null;
  const program = childrenOf(init)[0];
  return program !== undefined && commOf(program) !== "bwrap" ? program : null;
}

/** The processes to ask to end first: the programs, not the sandboxes around them (which end when their program does). */
function programsOf(pids: number[]): number[] {
  const programs = pids.filter((p) => commOf(p) !== "bwrap");
  return programs.length ? programs : pids;
}

export function cwdOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/**
 * Live processes working in `dir` or below it. Every host process of a lab
 * runs in the lab's run directory, so this finds what a lab left behind.
 */
export function processesIn(dir: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      const cwd = cwdOf(pid);
      return cwd !== null && (cwd === dir || cwd.startsWith(`${dir}/`)) && isAlive(pid);
    });
}

export function isAlive(pid: number): boolean {
  const s = readStat(pid);
  return s !== null && s.state !== "Z";
}

export function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `done()` holds or `ms` pass; returns whether it held. */
export async function waitFor(done: () => boolean, ms: number, every = 25): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= until) return false;
    await sleep(every);
  }
}

/** Signal, wait, kill: ends every process of a session (a sandboxed guest's sandbox with it). */
export async function endSession(sid: number, graceMs = 2000): Promise<void> {
  signal(programsOf(sessionMembers(sid)), "SIGTERM");
  if (await waitFor(() => sessionMembers(sid).length === 0, graceMs) && sessionMembers(sid, true).length === 0) return;
  signal(sessionMembers(sid, true), "SIGKILL");
  await waitFor(() => sessionMembers(sid, true).length === 0, 2000, 100);
}

/**
 * Signal, wait, kill for a process and what it started: a sandboxed helper
 * is its bwrap, the sandbox's pid 1 and the program; the program is asked
 * to end first, and all of them must be gone.
 */
export async function endProcess(pid: number, graceMs = 2000): Promise<void> {
  if (!isAlive(pid)) return;
  const all = [pid, ...descendants(pid)];
  const gone = () => all.every((p) => !isAlive(p));
  signal(programsOf(all), "SIGTERM");
  if (await waitFor(gone, graceMs)) return;
  signal(all, "SIGKILL");
  await waitFor(gone, 2000);
}
