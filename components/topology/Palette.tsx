"use client";
import type { DragEvent } from "react";
import { PALETTE_MIME } from "./Canvas";
import type { PaletteKind } from "./doc";

const ITEMS: { kind: PaletteKind; label: string; hint: string }[] = [
  { kind: "host", label: "Host", hint: "A Linux machine with a shell" },
  { kind: "router", label: "Router", hint: "Debian with FRR (vtysh, ospfd, bgpd, ...); forwards IPv4 from boot" },
  { kind: "switch", label: "Switch", hint: "Learns addresses, forwards frames to one port" },
  { kind: "hub", label: "Hub", hint: "Repeats every frame to every port" },
  { kind: "gateway", label: "Internet", hint: "NAT to the host's network: nodes on its switch get an address by DHCP" },
  { kind: "disk", label: "Disk", hint: "An extra disk: drag from it to the nodes that boot with it (/dev/ubdd on); two or more share it, one guest at a time" },
];

/** Drag an item onto the canvas to add it. */
export function Palette() {
  const start = (kind: PaletteKind) => (e: DragEvent) => {
    e.dataTransfer.setData(PALETTE_MIME, kind);
    e.dataTransfer.effectAllowed = "copy";
  };
  return (
    <aside className="palette" aria-label="Palette">
      <h3>Add</h3>
      {ITEMS.map((i) => (
        <div key={i.kind} className={`palette-item kind-${i.kind}`} draggable onDragStart={start(i.kind)} data-palette={i.kind} title={i.hint}>
          {i.label}
        </div>
      ))}
      <p className="hint">Drag onto the canvas. Drag from a node&apos;s dot to a switch to wire it. Double-click a node for its terminal.</p>
    </aside>
  );
}
