import type { LabStatus } from "../engine/lab-run";
import type { LinkStatus } from "../engine/switch/link-faults";
import { impairmentText } from "../model/link";

/** Columns padded to their widest cell, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** A lab's nodes (and why one is down), its switches and, while it runs, its links. */
export function printStatus(s: LabStatus): void {
  console.log(
    table([
      ["NODE", "STATE", "PID"],
      ...s.nodes.map((n) => [n.name, n.state, n.pid ? String(n.pid) : "-"]),
    ]),
  );
  for (const n of s.nodes) if (n.reason) console.log(`\n${n.name}: ${n.reason}`);
  if (s.switches.length) {
    console.log();
    console.log(table([["SWITCH", "KIND", "MODE", "STATE"], ...s.switches.map((w) => [w.name, w.kind, w.mode, !w.pid ? "stopped" : w.paused ? "paused" : "running"])]));
  }
  if (s.running && s.links.length) {
    console.log();
    console.log(table([["LINK", "SWITCH", "PORT", "STATE"], ...s.links.map((l) => [`${l.node}.${l.iface}`, l.switch, l.port === null ? "-" : String(l.port), linkState(l)])]));
  }
}

/** "up", "pulled", "impaired: 10% loss", "pulled (impaired: ...)" */
export function linkState(l: LinkStatus): string {
  const impaired = l.impair ? `impaired: ${impairmentText(l.impair)}` : "";
  if (l.pulled) return impaired ? `pulled (${impaired})` : "pulled";
  return impaired || "up";
}
