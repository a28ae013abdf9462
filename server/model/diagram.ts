import type { Disk } from "./disk";
import type { Gateway, Lab, Node, Position, Switch } from "./lab";
import { formatMemory } from "./memory";

/** Sizes shared with the canvas: a position is the top-left corner of a box about this big. */
const NODE_W = 120;
const NODE_H = 48;
const SWITCH_W = 150;
const SWITCH_H = 40;
const GATEWAY_W = 130;
const GATEWAY_H = 60;
const DISK_W = 90;
const DISK_H = 56;
const GAP_X = 40;
const GAP_Y = 90;
const PER_ROW = 8;
const MARGIN = 24;
/** A guess at sans-serif's average advance at 13px: the picture is drawn without measuring text. */
const CHAR_W = 7.4;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const center = (b: Box) => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });
const textWidth = (s: string, px = 13) => (s.length * CHAR_W * px) / 13;

/**
 * A standalone SVG of a lab's topology: nodes (routers marked apart from
 * hosts), switches and hubs, gateways (clouds, a dashed line to their
 * switch), disks (cylinders, a dashed line to each node that boots with
 * them), serial cables (amber, named at both ends), and one line per
 * plugged interface named at its node's end.
 * Placed elements keep their canvas position; the others go on a grid below
 * them, gateways first, then switches. Self-contained: no fonts, images or
 * scripts, so it can be saved or embedded as is.
 */
export function labDiagramSvg(lab: Lab): string {
  const boxes = layout(lab);
  const edges: string[] = [];
  const labels: string[] = [];
  const extents: Box[] = [...boxes.values()];

  for (const n of lab.nodes) {
    const nb = boxes.get(n.name)!;
    const plugged = n.interfaces.filter((i) => i.switch !== null && boxes.has(i.switch));
    for (const i of plugged) {
      // Several interfaces into one switch would draw one line: spread them apart.
      const siblings = plugged.filter((j) => j.switch === i.switch);
      const shift = (siblings.indexOf(i) - (siblings.length - 1) / 2) * 10;
      const a = center(nb);
      const b = center(boxes.get(i.switch!)!);
      const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      const [ux, uy] = [(b.x - a.x) / len, (b.y - a.y) / len];
      const [ox, oy] = [-uy * shift, ux * shift];
      edges.push(`<line class="link" x1="${num(a.x + ox)}" y1="${num(a.y + oy)}" x2="${num(b.x + ox)}" y2="${num(b.y + oy)}"/>`);
      // The label sits just outside the node's box, where the line leaves it; siblings' labels step
      // along their lines, as lines this close would otherwise stack them.
      const exit = Math.min(ux ? nb.w / 2 / Math.abs(ux) : Infinity, uy ? nb.h / 2 / Math.abs(uy) : Infinity);
      const at = Math.min(exit + 18 + siblings.indexOf(i) * 16, len / 2);
      const lx = a.x + ox + ux * at;
      const ly = a.y + oy + uy * at;
      labels.push(`<text class="eth" x="${num(lx)}" y="${num(ly + 4)}">${xml(`eth${i.index}`)}</text>`);
      extents.push({ x: lx - 18, y: ly - 8, w: 36, h: 16 });
    }
  }

  for (const g of lab.gateways) {
    if (g.switch === null || !boxes.has(g.switch)) continue;
    const a = center(boxes.get(g.name)!);
    const b = center(boxes.get(g.switch)!);
    edges.push(`<line class="uplink" x1="${num(a.x)}" y1="${num(a.y)}" x2="${num(b.x)}" y2="${num(b.y)}"/>`);
  }

  for (const d of lab.disks)
    for (const n of lab.nodes.filter((n) => n.disks.includes(d.name))) {
      const a = center(boxes.get(d.name)!);
      const b = center(boxes.get(n.name)!);
      edges.push(`<line class="disk-link" x1="${num(a.x)}" y1="${num(a.y)}" x2="${num(b.x)}" y2="${num(b.y)}"/>`);
    }
  for (const c of lab.cables) {
    const a = center(boxes.get(c.a.node)!);
    const b = center(boxes.get(c.b.node)!);
    edges.push(`<line class="cable" x1="${num(a.x)}" y1="${num(a.y)}" x2="${num(b.x)}" y2="${num(b.y)}"/>`);
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    labels.push(`<text class="eth" x="${num(mid.x)}" y="${num(mid.y + 4)}">${xml(`ttyS${c.a.line}–ttyS${c.b.line}`)}</text>`);
  }

  const body = [...lab.disks.map((d) => diskSvg(d, boxes.get(d.name)!)), ...lab.gateways.map((g) => gatewaySvg(g, boxes.get(g.name)!)), ...lab.switches.map((s) => switchSvg(s, boxes.get(s.name)!)), ...lab.nodes.map((n) => nodeSvg(n, boxes.get(n.name)!))];

  const content = extents.length ? bounds(extents) : { x: 0, y: 0, w: 0, h: 0 };
  const caption = firstLine(lab.description);
  const headerH = caption ? 46 : 28;
  const top = content.y - headerH;
  const width = Math.max(content.w, textWidth(lab.name, 16), textWidth(caption, 12), 200);
  const view = { x: content.x - MARGIN, y: top - MARGIN, w: width + 2 * MARGIN, h: content.y + content.h - top + 2 * MARGIN };
  const header = [`<text class="title" x="${num(content.x)}" y="${num(top + 16)}">${xml(lab.name)}</text>`];
  if (caption) header.push(`<text class="caption" x="${num(content.x)}" y="${num(top + 34)}">${xml(caption)}</text>`);

  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${num(view.x)} ${num(view.y)} ${num(view.w)} ${num(view.h)}" width="${num(view.w)}" height="${num(view.h)}" font-family="sans-serif" font-size="13">`,
    `<title>${xml(lab.name)}</title>`,
    ...(lab.description ? [`<desc>${xml(lab.description)}</desc>`] : []),
    `<style>${STYLE}</style>`,
    `<rect x="${num(view.x)}" y="${num(view.y)}" width="${num(view.w)}" height="${num(view.h)}" fill="#ffffff"/>`,
    ...header,
    // Lines first, so boxes cover their ends and they seem to start at the edges.
    `<g class="links">`,
    ...edges,
    `</g>`,
    ...body,
    `<g class="labels">`,
    ...labels,
    `</g>`,
    `</svg>`,
    "",
  ].join("\n");
}

const STYLE = [
  ".link{stroke:#6b7280;stroke-width:1.5}",
  ".uplink{stroke:#0369a1;stroke-width:1.5;stroke-dasharray:5 3}",
  ".gateway path{fill:#e0f2fe;stroke:#0369a1;stroke-width:1.5}",
  ".eth{font-size:11px;fill:#374151;text-anchor:middle;paint-order:stroke;stroke:#ffffff;stroke-width:3px}",
  ".title{font-size:16px;font-weight:bold;fill:#111827}",
  ".caption{font-size:12px;fill:#4b5563}",
  ".name{font-weight:bold;fill:#111827;text-anchor:middle}",
  ".sub{font-size:11px;fill:#4b5563;text-anchor:middle}",
  ".host rect{fill:#dbeafe;stroke:#2563eb;stroke-width:1.5}",
  ".router rect{fill:#fde7c8;stroke:#c2410c;stroke-width:1.5}",
  ".router circle{fill:#c2410c}",
  ".glyph{font-size:10px;font-weight:bold;fill:#ffffff;text-anchor:middle}",
  ".switch rect{fill:#e5e7eb;stroke:#374151;stroke-width:1.5}",
  ".hub rect{fill:#fef9c3;stroke:#a16207;stroke-width:1.5;stroke-dasharray:6 3}",
  ".disk path{fill:#f3f4f6;stroke:#4b5563;stroke-width:1.5}",
  ".disk-link{stroke:#9ca3af;stroke-width:1.5;stroke-dasharray:4 3}",
  ".cable{stroke:#d97706;stroke-width:2}",
].join("");

function nodeSvg(n: Node, b: Box): string {
  const c = center(b);
  const parts = [
    `<g class="node ${n.role}" id="${xml(`node-${n.name}`)}">`,
    `<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.w)}" height="${num(b.h)}" rx="10"/>`,
    `<text class="name" x="${num(c.x)}" y="${num(b.y + 20)}">${xml(n.name)}</text>`,
    `<text class="sub" x="${num(c.x)}" y="${num(b.y + 37)}">${xml(`${n.image} · ${n.memoryMiB}M`)}</text>`,
  ];
  if (n.role === "router") {
    parts.push(`<circle cx="${num(b.x + b.w - 2)}" cy="${num(b.y + 2)}" r="9"/>`, `<text class="glyph" x="${num(b.x + b.w - 2)}" y="${num(b.y + 5.5)}">R</text>`);
  }
  parts.push(`</g>`);
  return parts.join("\n");
}

function switchSvg(s: Switch, b: Box): string {
  const c = center(b);
  return [
    `<g class="${s.mode}" id="${xml(`switch-${s.name}`)}">`,
    `<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.w)}" height="${num(b.h)}" rx="3"/>`,
    `<text class="name" x="${num(c.x)}" y="${num(b.y + 17)}">${xml(s.name)}</text>`,
    `<text class="sub" x="${num(c.x)}" y="${num(b.y + 32)}">${xml(`${s.mode} · ${s.kind}`)}</text>`,
    `</g>`,
  ].join("\n");
}

/**
 * A cloud filling a w × h box whose top-left corner is (x, y): the
 * gateway's shape, in the diagram and on the canvas.
 */
export function cloudPath(w: number, h: number, x = 0, y = 0): string {
  const p = (fx: number, fy: number) => `${num(x + fx * w)},${num(y + fy * h)}`;
  return [
    `M${p(0.22, 0.94)}`,
    `C${p(0.02, 0.94)} ${p(0, 0.5)} ${p(0.18, 0.46)}`,
    `C${p(0.14, 0.14)} ${p(0.42, 0)} ${p(0.52, 0.2)}`,
    `C${p(0.64, 0)} ${p(0.9, 0.08)} ${p(0.84, 0.4)}`,
    `C${p(1, 0.44)} ${p(1, 0.94)} ${p(0.8, 0.94)}`,
    "Z",
  ].join(" ");
}

function gatewaySvg(g: Gateway, b: Box): string {
  const c = center(b);
  return [
    `<g class="gateway" id="${xml(`gateway-${g.name}`)}">`,
    `<path d="${cloudPath(b.w, b.h, b.x, b.y)}"/>`,
    `<text class="name" x="${num(c.x)}" y="${num(b.y + 35)}">${xml(g.name)}</text>`,
    `<text class="sub" x="${num(c.x)}" y="${num(b.y + 49)}">${xml(gatewaySub(g))}</text>`,
    `</g>`,
  ].join("\n");
}

/** A cylinder: a lab's disk. */
function diskSvg(d: Disk, b: Box): string {
  const c = center(b);
  const rx = b.w / 2;
  const ry = 7;
  const top = b.y + ry;
  const bottom = b.y + b.h - ry;
  return [
    `<g class="disk" id="${xml(`disk-${d.name}`)}">`,
    `<path d="M${num(b.x)},${num(top)} A${num(rx)},${ry} 0 0 1 ${num(b.x + b.w)},${num(top)} V${num(bottom)} A${num(rx)},${ry} 0 0 1 ${num(b.x)},${num(bottom)} Z"/>`,
    `<path d="M${num(b.x)},${num(top)} A${num(rx)},${ry} 0 0 0 ${num(b.x + b.w)},${num(top)}"/>`,
    `<text class="name" x="${num(c.x)}" y="${num(b.y + 30)}">${xml(d.name)}</text>`,
    `<text class="sub" x="${num(c.x)}" y="${num(b.y + 44)}">${xml(diskSub(d))}</text>`,
    `</g>`,
  ].join("\n");
}

const diskSub = (d: Disk) => `${formatMemory(d.sizeMiB)}${d.format === "none" ? "" : ` · ${d.format}`}`;

const gatewaySub = (g: Gateway) => `NAT${g.dhcp ? " · DHCP" : ""}${g.forward.length ? ` · ${g.forward.length} fwd` : ""}`;

/** Every element's box: where the canvas put it, or on a grid below whatever was placed. */
function layout(lab: Lab): Map<string, Box> {
  const boxes = new Map<string, Box>();
  const nodeW = (n: Node) => Math.max(NODE_W, Math.max(textWidth(n.name), textWidth(`${n.image} · ${n.memoryMiB}M`, 11)) + 28);
  const switchW = (s: Switch) => Math.max(SWITCH_W, textWidth(s.name) + 24);
  const gatewayW = (g: Gateway) => Math.max(GATEWAY_W, textWidth(g.name) + 48, textWidth(gatewaySub(g), 11) + 48);
  const place = (name: string, pos: Position, w: number, h: number) => pos && boxes.set(name, { x: pos.x, y: pos.y, w, h });
  for (const g of lab.gateways) place(g.name, g.pos, gatewayW(g), GATEWAY_H);
  for (const s of lab.switches) place(s.name, s.pos, switchW(s), SWITCH_H);
  for (const n of lab.nodes) place(n.name, n.pos, nodeW(n), NODE_H);
  const diskW = (d: Disk) => Math.max(DISK_W, textWidth(d.name) + 20, textWidth(diskSub(d), 11) + 20);
  for (const d of lab.disks) place(d.name, d.pos, diskW(d), DISK_H);

  const placed = [...boxes.values()];
  const origin = placed.length ? bounds(placed) : { x: 0, y: 0, w: 0, h: 0 };
  let y = placed.length ? origin.y + origin.h + GAP_Y : 0;
  const grid = <T extends { name: string }>(items: T[], w: number, h: number, width: (t: T) => number) => {
    const step = w + GAP_X;
    items.forEach((item, i) => {
      if (i > 0 && i % PER_ROW === 0) y += h + GAP_Y;
      boxes.set(item.name, { x: origin.x + (i % PER_ROW) * step, y, w: width(item), h });
    });
    if (items.length) y += h + GAP_Y;
  };
  // Columns as wide as the widest element of their kind, so long names never overlap.
  const loneGateways = lab.gateways.filter((g) => !g.pos);
  const loneSwitches = lab.switches.filter((s) => !s.pos);
  const loneNodes = lab.nodes.filter((n) => !n.pos);
  grid(loneGateways, Math.max(GATEWAY_W, ...loneGateways.map(gatewayW)), GATEWAY_H, gatewayW);
  grid(loneSwitches, Math.max(SWITCH_W, ...loneSwitches.map(switchW)), SWITCH_H, switchW);
  grid(loneNodes, Math.max(NODE_W, ...loneNodes.map(nodeW)), NODE_H, nodeW);
  const loneDisks = lab.disks.filter((d) => !d.pos);
  grid(loneDisks, Math.max(DISK_W, ...loneDisks.map(diskW)), DISK_H, diskW);
  return boxes;
}

function bounds(boxes: Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.w));
  const bottom = Math.max(...boxes.map((b) => b.y + b.h));
  return { x, y, w: right - x, h: bottom - y };
}

const firstLine = (s: string) => {
  const line = s.split("\n")[0].trim();
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
};

const num = (n: number) => String(Math.round(n * 10) / 10);

/** Text and attribute values for XML: markup characters escaped, characters XML 1.0 cannot hold dropped. */
export function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
