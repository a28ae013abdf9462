import type { CaptureInfo, CaptureTarget } from "@/server/engine/capture/types";

/** A target as one string: its kind and fields in a fixed order (a server's object may list them in another). */
const keyOf = (t: CaptureTarget) =>
  Object.entries(t)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("\n");
const sameTarget = (a: CaptureTarget, b: CaptureTarget) => keyOf(a) === keyOf(b);

/** The capture of `target` to show: the running one, else the newest stopped one, else none. */
export function captureOf(captures: readonly CaptureInfo[], target: CaptureTarget): CaptureInfo | undefined {
  const mine = captures.filter((c) => sameTarget(c.target, target));
  return mine.find((c) => c.state === "running") ?? mine.sort((a, b) => b.started - a.started)[0];
}

/** What a captured switch or wire shows on the canvas: its capture's packet count. */
export interface CaptureBadge {
  text: string;
  running: boolean;
  title: string;
}

/** A count in at most about four characters: 999, 12.3k, 4.5M. */
export function shortCount(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function badgeOf(captures: readonly CaptureInfo[], target: CaptureTarget): CaptureBadge | null {
  const c = captureOf(captures, target);
  if (!c) return null;
  return { text: shortCount(c.packets), running: c.state === "running", title: `${c.label}: ${c.packets} packets, ${c.state}` };
}
