import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * A UML guest is several host processes (the kernel, its helpers and one
 * process per guest address space) that share the session of the main
 * linux.uml, which node-pty makes a session leader. Ending a guest means
 * ending every member of that session, found by pid through /proc.
 */
export function sessionMembers(sid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.sid === sid && stat.state !== "Z") pids.push(Number(entry));
  }
  return pids;
}

export function readStat(pid: number): { ppid: number; pgrp: number; sid: number; state: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), sid: Number(fields[3]) };
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

/** Signal, wait, kill: ends every process of a session. */
export async function endSession(sid: number, graceMs = 2000): Promise<void> {
  signal(sessionMembers(sid), "SIGTERM");
  if (await waitFor(() => sessionMembers(sid).length === 0, graceMs)) return;
  signal(sessionMembers(sid), "SIGKILL");
  await waitFor(() => sessionMembers(sid).length === 0, 2000);
}

/** Signal, wait, kill for a single process. */
export async function endProcess(pid: number, graceMs = 2000): Promise<void> {
  if (!isAlive(pid)) return;
  signal([pid], "SIGTERM");
  if (await waitFor(() => !isAlive(pid), graceMs)) return;
  signal([pid], "SIGKILL");
  await waitFor(() => !isAlive(pid), 2000);
}
