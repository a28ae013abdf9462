import { readFileSync } from "node:fs";
import { SERIAL_LINES } from "../../model/serial";

/** Host ptys a running node holds: its console (node-pty), the exec agent's line, and one a serial line (ttyS2-ttyS5). */
export const PTYS_PER_NODE = 2 + SERIAL_LINES.length;

/** What `npm start` raises kernel.pty.max to when it runs as root (scripts/provision.mjs): ten thousand nodes. */
export const PTY_MAX_WANTED = 65536;

const PTY_SYSCTL = "/proc/sys/kernel/pty";

/** The host's ptys: how many may be open (kernel.pty.max) and how many are; null where /proc does not say. */
export function hostPtys(dir = PTY_SYSCTL): { max: number; open: number } | null {
  try {
    const max = Number(readFileSync(`${dir}/max`, "utf8"));
    const open = Number(readFileSync(`${dir}/nr`, "utf8"));
    return Number.isSafeInteger(max) && Number.isSafeInteger(open) ? { max, open } : null;
  } catch {
    return null;
  }
}

/**
 * Why `nodes` more nodes cannot start for want of host ptys, or null when
 * they can (or the host does not say). Debian's default kernel.pty.max of
 * 4096 holds about 680 nodes; past it a boot fails deep in node-pty
 * ("openpty(3) failed") after minutes of booting the others, so a lab is
 * refused before any of it starts, with the fix.
 */
export function ptyShortage(nodes: number, ptys = hostPtys()): string | null {
  if (!ptys) return null;
  const need = nodes * PTYS_PER_NODE;
  const free = Math.max(0, ptys.max - ptys.open);
  if (need <= free) return null;
  return (
    `${nodes} node${nodes === 1 ? "" : "s"} need${nodes === 1 ? "s" : ""} ${need} host ptys (${PTYS_PER_NODE} a node: console, exec line, serial lines) and the host has ` +
    `${free} free of its kernel.pty.max ${ptys.max} (about ${Math.floor(free / PTYS_PER_NODE)} more nodes): raise it as root, ` +
    `\`sysctl -w kernel.pty.max=${PTY_MAX_WANTED}\` (npm start does this when it runs as root)`
  );
}

/** A boot that failed for want of a pty (node-pty's "openpty(3) failed", ENOSPC from /dev/ptmx), told as such. */
export function explainPtyFailure(e: unknown): unknown {
  const message = e instanceof Error ? e.message : String(e);
  if (!/openpty|forkpty|posix_openpt|\/dev\/ptmx|ENOSPC/i.test(message)) return e;
  return new Error(`${message}: the host is out of ptys. ${ptyShortage(1) ?? `Raise kernel.pty.max (sysctl -w kernel.pty.max=${PTY_MAX_WANTED}).`}`);
}
