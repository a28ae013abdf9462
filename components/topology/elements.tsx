"use client";
import { Handle, Position, type Node as FlowNode, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { NodeStatus } from "@/server/engine/uml/uml-node";

export type LabNodeData = { name: string; role: "host" | "router"; state: NodeStatus["state"]; reason: string | null; interfaces: number };
export type LabSwitchData = { name: string; mode: "switch" | "hub"; kind: "vde" | "uml_switch"; paused: boolean; running: boolean };
export type LabFlowNode = FlowNode<LabNodeData, "labnode"> | FlowNode<LabSwitchData, "labswitch">;

// Loose connection mode: one handle each side is enough to wire either way.
const handles = (
  <>
    <Handle type="source" position={Position.Top} id="t" />
    <Handle type="source" position={Position.Bottom} id="b" />
  </>
);

// Drawn in CSS rather than emoji: not every machine has an emoji font.
const ICON = { host: "H", router: "R" } as const;

export const LabNode = memo(function LabNode({ data, selected }: NodeProps<FlowNode<LabNodeData, "labnode">>) {
  return (
    <div
      className={`lab-node role-${data.role} state-${data.state}${selected ? " selected" : ""}`}
      data-node={data.name}
      data-state={data.state}
      title={data.reason ?? `${data.name}: ${data.state}`}
    >
      {handles}
      <span className="icon" aria-hidden>
        {ICON[data.role]}
      </span>
      <span className="name">{data.name}</span>
      <span className="state">{data.state}</span>
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
      </span>
    </div>
  );
});

export const nodeTypes = { labnode: LabNode, labswitch: LabSwitch };
