"use client";
import { BaseEdge, getBezierPath, Handle, Position, type Edge, type EdgeProps, type Node as FlowNode, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import "./disks.css";
import type { NodeStatus } from "@/server/engine/uml/uml-node";
import type { RebootInfo } from "@/server/engine/uml/reboot-watch";
import { cloudPath } from "@/server/model/diagram";
import { SwitchCaptureCount, WireCaptureCount } from "../capture/CountBadges";

export type LabNodeData = { name: string; role: "host" | "router"; state: NodeStatus["state"]; reason: string | null; interfaces: number; reboot: RebootInfo | null };
export type LabSwitchData = { name: string; mode: "switch" | "hub"; kind: "vde" | "uml_switch"; paused: boolean; running: boolean };
/** A gateway: `state` is "running" while its slirpvde runs, "stopped" otherwise. */
export type LabGatewayData = { name: string; switch: string | null; dhcp: boolean; forwards: number; state: "running" | "stopped" };
/**
 * A disk: its size and format, the nodes that boot with it (`users`, two or
 * more: shared), and while the lab runs who has it in a slot (`in`, node and
 * device) and whose guest holds it open (`holder`).
 */
export type LabDiskData = { name: string; size: string; format: "none" | "ext4" | "ext2"; users: string[]; running: boolean; in: { node: string; device: string }[]; holder: string | null };
export type LabFlowNode = FlowNode<LabNodeData, "labnode"> | FlowNode<LabSwitchData, "labswitch"> | FlowNode<LabGatewayData, "labgateway"> | FlowNode<LabDiskData, "labdisk">;

// Loose connection mode: one handle each side is enough to wire either way.
const handles = (
  <>
    <Handle type="source" position={Position.Top} id="t" />
    <Handle type="source" position={Position.Bottom} id="b" />
  </>
);

// Drawn in CSS rather than emoji: not every machine has an emoji font.
const ICON = { host: "H", router: "R" } as const;

/** A time of day as the server's clock said it, 02:31:07 (local time). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** A node's last reboot from inside, in words: "rebooted by its watchdog at 02:31:07 (3 reboots since it was started)". */
export function rebootText(r: RebootInfo): string {
  const what = r.cause === "watchdog" ? "rebooted by its watchdog" : "rebooted itself";
  return `${what} at ${clockTime(r.at)}${r.count > 1 ? ` (${r.count} reboots since it was started)` : ""}`;
}

export const LabNode = memo(function LabNode({ data, selected }: NodeProps<FlowNode<LabNodeData, "labnode">>) {
  const reboot = data.reboot;
  const title = data.reason ?? `${data.name}: ${data.state}${reboot ? `; ${rebootText(reboot)}` : ""}`;
  return (
    <div className={`lab-node role-${data.role} state-${data.state}${selected ? " selected" : ""}`} data-node={data.name} data-state={data.state} title={title}>
      {handles}
      <span className="icon" aria-hidden>
        {ICON[data.role]}
      </span>
      <span className="name">{data.name}</span>
      <span className="state">{data.state}</span>
      {/* A reboot from inside (a watchdog's, or the guest's own): not a crash, the node is up again. */}
      {reboot && (
        <span className={`reboot-badge cause-${reboot.cause}`} data-reboot={reboot.cause} title={rebootText(reboot)}>
          ↻ {reboot.cause === "watchdog" ? "watchdog" : "rebooted"}
          {reboot.count > 1 ? ` ×${reboot.count}` : ""}
        </span>
      )}
    </div>
  );
});

/** A disk, drawn as a cylinder with its name, size and format; while the lab runs, who holds it and who has it in a slot. */
export const LabDisk = memo(function LabDisk({ data, selected }: NodeProps<FlowNode<LabDiskData, "labdisk">>) {
  const shared = data.users.length > 1;
  const state = !data.running ? null : data.holder ? `held by ${data.holder}` : "free";
  const slots = data.in.map((s) => `${s.node}${s.device ? ` ${s.device}` : ""}`).join(" · ");
  const title = [
    `disk ${data.name}: ${data.size}, ${data.format === "none" ? "blank" : data.format}`,
    data.users.length ? `boots with ${data.users.join(", ")}${shared ? " (shared: one guest at a time opens it)" : ""}` : "no node boots with it",
    state,
    slots ? `in a slot: ${slots}` : "",
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <div
      className={`lab-disk${shared ? " shared" : ""}${data.running ? (data.holder ? " held" : " free") : ""}${selected ? " selected" : ""}`}
      data-disk={data.name}
      data-holder={data.holder ?? ""}
      title={title}
    >
      {handles}
      <svg className="cylinder" viewBox="0 0 40 48" aria-hidden>
        <path className="body" d="M2,8 v32 a18,6 0 0 0 36,0 v-32" />
        <ellipse className="top" cx="20" cy="8" rx="18" ry="6" />
      </svg>
      <span className="text">
        <span className="name">{data.name}</span>
        <span className="kind">
          {data.size} · {data.format === "none" ? "blank" : data.format}
          {shared ? ` · shared (${data.users.length})` : ""}
        </span>
        {state && (
          <span className="disk-state" data-testid={`disk-state-${data.name}`}>
            {state}
          </span>
        )}
        {slots && (
          <span className="disk-slots" data-testid={`disk-slots-${data.name}`}>
            {slots}
          </span>
        )}
      </span>
    </div>
  );
});

export const LabSwitch = memo(function LabSwitch({ data, selected }: NodeProps<FlowNode<LabSwitchData, "labswitch">>) {
  return (
    <div
      className={`lab-switch mode-${data.mode}${data.paused ? " paused" : ""}${data.running ? " up" : ""}${selected ? " selected" : ""}`}
      data-switch={data.name}
      data-paused={data.paused ? "true" : "false"}
    >
      {handles}
      <span className="name">{data.name}</span>
      <span className="kind">
        {data.mode}
        {data.kind === "uml_switch" ? " · uml_switch" : ""}
        {data.paused ? " · paused" : ""}
        <SwitchCaptureCount name={data.name} />
      </span>
    </div>
  );
});

const CLOUD = cloudPath(148, 78, 1, 1);

/** A gateway, drawn as a cloud: the outside world, reached by NAT. */
export const LabGateway = memo(function LabGateway({ data, selected }: NodeProps<FlowNode<LabGatewayData, "labgateway">>) {
  const what = ["NAT", data.dhcp ? "DHCP" : "", data.forwards ? `${data.forwards} fwd` : ""].filter(Boolean).join(" · ");
  return (
    <div
      className={`lab-gateway state-${data.state}${selected ? " selected" : ""}`}
      data-gateway={data.name}
      data-state={data.state}
      title={`${data.name}: NAT to the host's network${data.switch ? ` on ${data.switch}` : ", wired to no switch"} (${data.state})`}
    >
      {handles}
      <svg className="cloud" viewBox="0 0 150 80" aria-hidden>
        <path d={CLOUD} />
      </svg>
      <span className="name">{data.name}</span>
      <span className="kind">{what}</span>
      <span className="state">{data.state}</span>
    </div>
  );
});

export const nodeTypes = { labnode: LabNode, labswitch: LabSwitch, labgateway: LabGateway, labdisk: LabDisk };

/** A wire: a node's interface plugged into a switch, and what is done to it while the lab runs. */
export type LinkEdgeData = { node: string; index: number; pulled: boolean; impaired: string | null };
export type LinkFlowEdge = Edge<LinkEdgeData, "link">;

const at = ([x, y]: [number, number]) => ({ x, y });

/** The point at `t` (0…1) of a cubic Bézier path "M x,y C x,y x,y x,y", or null. */
function pointOn(path: string, t: number): [number, number] | null {
  const n = path.match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number);
  if (!n || n.length !== 8) return null;
  const u = 1 - t;
  const at = (i: number) => u * u * u * n[i] + 3 * u * u * t * n[i + 2] + 3 * u * t * t * n[i + 4] + t * t * t * n[i + 6];
  return [at(0), at(1)];
}

/**
 * A wire as React Flow's default (Bézier) edge, with its fault shown: a
 * pulled wire is drawn broken (CSS: red, dashed) with a ✕ at its middle and
 * its label moved aside; every wire says its state in a tooltip.
 */
export const LinkEdge = memo(function LinkEdge(p: EdgeProps<LinkFlowEdge>) {
  const [path, midX, midY] = getBezierPath({ sourceX: p.sourceX, sourceY: p.sourceY, sourcePosition: p.sourcePosition, targetX: p.targetX, targetY: p.targetY, targetPosition: p.targetPosition });
  const pulled = !!p.data?.pulled;
  const [labelX, labelY] = (pulled && pointOn(path, 0.75)) || [midX, midY];
  const state = [pulled ? "pulled" : "", p.data?.impaired ? `impaired: ${p.data.impaired}` : ""].filter(Boolean).join("; ") || "up";
  return (
    <>
      <title>{`${p.data?.node ?? ""} eth${p.data?.index ?? ""}: ${state}`}</title>
      <BaseEdge
        id={p.id}
        path={path}
        labelX={labelX}
        labelY={labelY}
        label={p.label}
        labelStyle={p.labelStyle}
        labelShowBg={p.labelShowBg}
        labelBgStyle={p.labelBgStyle}
        labelBgPadding={p.labelBgPadding}
        labelBgBorderRadius={p.labelBgBorderRadius}
        style={p.style}
        interactionWidth={p.interactionWidth}
      />
      {p.data && <WireCaptureCount node={p.data.node} iface={`eth${p.data.index}`} {...at(pointOn(path, 0.25) ?? [midX, midY])} />}
      {pulled && (
        <g className="link-cut" transform={`translate(${midX} ${midY})`} data-link-fault="pulled">
          <circle r={9} />
          <path d="M-4,-4L4,4M-4,4L4,-4" />
        </g>
      )}
    </>
  );
});

/** A gateway's wire to its switch: drawn dashed (CSS), no interface to name. */
export type UplinkEdgeData = { gateway: string };
export type UplinkFlowEdge = Edge<UplinkEdgeData, "uplink">;
/** A serial cable between two nodes' lines, and whether it is cut. */
export type SerialEdgeData = { a: string; b: string; cut: boolean };
export type SerialFlowEdge = Edge<SerialEdgeData, "serial">;
/**
 * A node's line to a disk: `boot`, it boots with it (the lab file's; deleting
 * the line takes it off the node's list), or only plugged in while it runs;
 * `device` its /dev/ubdX in the guest now, `holds` whether that guest has it open.
 */
export type DiskEdgeData = { disk: string; node: string; boot: boolean; device: string | null; holds: boolean };
export type DiskFlowEdge = Edge<DiskEdgeData, "disk">;
export type LabFlowEdge = LinkFlowEdge | UplinkFlowEdge | SerialFlowEdge | DiskFlowEdge;

export const UplinkEdge = memo(function UplinkEdge(p: EdgeProps<UplinkFlowEdge>) {
  const [path] = getBezierPath({ sourceX: p.sourceX, sourceY: p.sourceY, sourcePosition: p.sourcePosition, targetX: p.targetX, targetY: p.targetY, targetPosition: p.targetPosition });
  return (
    <>
      <title>{`${p.data?.gateway ?? ""}: NAT to the host's network`}</title>
      <BaseEdge id={p.id} path={path} style={p.style} interactionWidth={p.interactionWidth} />
    </>
  );
});

/**
 * Two nodes side by side are joined from the same side (bottom to bottom):
 * a loop that hangs below them, clear of the nodes, rather than React Flow's
 * flat curve. Its path and middle point.
 */
function loop(p: Pick<EdgeProps, "sourceX" | "sourceY" | "targetX" | "targetY" | "sourcePosition">): [string, number, number] {
  const drop = (p.sourcePosition === Position.Top ? -1 : 1) * (50 + Math.abs(p.targetX - p.sourceX) / 4);
  const [c1, c2] = [p.sourceY + drop, p.targetY + drop];
  return [`M${p.sourceX},${p.sourceY} C${p.sourceX},${c1} ${p.targetX},${c2} ${p.targetX},${p.targetY}`, (p.sourceX + p.targetX) / 2, (p.sourceY + p.targetY) / 2 + 0.75 * drop];
}

/**
 * A serial cable: a node-to-node edge of its own style (CSS: amber, a
 * double line), labelled with its lines; a cut cable is drawn broken with a
 * ✕, as a pulled wire is.
 */
export const SerialEdge = memo(function SerialEdge(p: EdgeProps<SerialFlowEdge>) {
  const [path, midX, midY] = p.sourcePosition === p.targetPosition ? loop(p) : getBezierPath({ sourceX: p.sourceX, sourceY: p.sourceY, sourcePosition: p.sourcePosition, targetX: p.targetX, targetY: p.targetY, targetPosition: p.targetPosition });
  const cut = !!p.data?.cut;
  const [labelX, labelY] = (cut && pointOn(path, 0.75)) || [midX, midY];
  return (
    <>
      <title>{`serial cable ${p.data?.a ?? ""} ↔ ${p.data?.b ?? ""}${cut ? ": cut" : ""}`}</title>
      <BaseEdge id={p.id} path={path} labelX={labelX} labelY={labelY} label={p.label} labelBgPadding={p.labelBgPadding} labelBgBorderRadius={p.labelBgBorderRadius} style={p.style} interactionWidth={p.interactionWidth} />
      {cut && (
        <g className="link-cut" transform={`translate(${midX} ${midY})`} data-cable-fault="cut">
          <circle r={9} />
          <path d="M-4,-4L4,4M-4,4L4,-4" />
        </g>
      )}
    </>
  );
});

/** A disk's line to a node: dashed grey (CSS); solid once the guest holds it open. */
export const DiskEdge = memo(function DiskEdge(p: EdgeProps<DiskFlowEdge>) {
  const [path, midX, midY] = getBezierPath({ sourceX: p.sourceX, sourceY: p.sourceY, sourcePosition: p.sourcePosition, targetX: p.targetX, targetY: p.targetY, targetPosition: p.targetPosition });
  const d = p.data;
  const state = !d ? "" : [d.boot ? "boots with it" : "plugged in while it runs", d.device ? `as ${d.device}` : "", d.holds ? "holds it open" : ""].filter(Boolean).join(", ");
  return (
    <>
      <title>{`${d?.node ?? ""} ↔ disk ${d?.disk ?? ""}: ${state}`}</title>
      <BaseEdge id={p.id} path={path} labelX={midX} labelY={midY} label={p.label} labelBgPadding={p.labelBgPadding} labelBgBorderRadius={p.labelBgBorderRadius} style={p.style} interactionWidth={p.interactionWidth} />
    </>
  );
});

export const edgeTypes = { link: LinkEdge, uplink: UplinkEdge, serial: SerialEdge, disk: DiskEdge };
