"use client";
import type { CaptureTarget } from "@/server/engine/capture/types";
import { useTopology } from "../topology/store";
import { badgeOf } from "./badge";

/**
 * The badge of a captured switch or wire, as a string (text, running,
 * title), read from the live state by each badge itself: the counts change
 * every second while a capture runs, and only the badges redraw for it.
 */
function useBadge(target: CaptureTarget): { text: string; running: boolean; title: string } | null {
  const key = useTopology((s) => {
    const b = s.running ? badgeOf(s.captures, target) : null;
    return b ? `${b.text}\t${b.running ? 1 : 0}\t${b.title}` : "";
  });
  if (!key) return null;
  const [text, running, title] = key.split("\t");
  return { text, running: running === "1", title };
}

/** A switch's packet count, beside its kind. */
export function SwitchCaptureCount({ name }: { name: string }) {
  const b = useBadge({ kind: "switch", name });
  if (!b) return null;
  return (
    <span className={`capture-count${b.running ? "" : " stopped"}`} data-testid="capture-count" title={b.title}>
      {b.text}
    </span>
  );
}

/** A wire's packet count, drawn on the wire at (x, y). */
export function WireCaptureCount({ node, iface, x, y }: { node: string; iface: string; x: number; y: number }) {
  const b = useBadge({ kind: "link", node, iface });
  if (!b) return null;
  return (
    <g className={`capture-badge${b.running ? "" : " stopped"}`} transform={`translate(${x} ${y})`} data-testid="capture-count">
      <title>{b.title}</title>
      <rect x={-4 - 3.5 * b.text.length} y={-8} width={8 + 7 * b.text.length} height={16} rx={8} />
      <text textAnchor="middle" dy={4}>
        {b.text}
      </text>
    </g>
  );
}
