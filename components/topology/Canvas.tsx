"use client";
import {
  applyNodeChanges,
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type EdgeChange,
  type NodeChange,
  type OnConnect,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState, type DragEvent, type MouseEvent as ReactMouseEvent } from "react";
import { diskSize, diskUsers, type PaletteKind } from "./doc";
import { impairmentText } from "@/server/model/link";
import { edgeTypes, nodeTypes, type LabFlowEdge, type LabFlowNode } from "./elements";
import { useTopology, type Wire } from "./store";

const FIT = { padding: 0.35, maxZoom: 1.2 };
const MINIMAP_COLOURS: Record<string, string> = { running: "#16a34a", booting: "#d97706", crashed: "#dc2626", stopped: "#8b95a1", halted: "#64748b" };

/** Where the lab file put an element, or a row for those it never placed. */
const placed = (pos: [number, number] | undefined, x: number, y: number) => (pos ? { x: pos[0], y: pos[1] } : { x, y });

export const PALETTE_MIME = "application/x-umlab-palette";

/** What was right-clicked: a node, a switch, a wire (`name` is its id, "node:eth0") or a serial cable (`name`: its first line, "one.ttyS2"). */
export type ContextTarget = { kind: "node" | "switch" | "link" | "cable"; name: string; title?: string; x: number; y: number };

/**
 * The topology: nodes, switches and gateways from the lab, one edge per
 * plugged interface or gateway. `readOnly` (a share link's page): it can be
 * looked at, panned and zoomed, and nothing else — no drag, wire, delete,
 * menu or terminal.
 */
export function Canvas({ onContext, onOpenConsole, readOnly = false }: { onContext: (t: ContextTarget | null) => void; onOpenConsole: (node: string) => void; readOnly?: boolean }) {
  const doc = useTopology((s) => s.doc)!;
  const selected = useTopology((s) => s.selected);
  const states = useTopology((s) => s.nodes);
  const switchStates = useTopology((s) => s.switches);
  const gatewayStates = useTopology((s) => s.gateways);
  const linkStates = useTopology((s) => s.links);
  const cableStates = useTopology((s) => s.cables);
  const diskStates = useTopology((s) => s.disks);
  const running = useTopology((s) => s.running);
  const { screenToFlowPosition, fitView } = useReactFlow();
  /** A disk's device in a node now ("/dev/ubde"), from the node's state; "" when it has not said yet. */
  const plugged = useTopology((s) => s.plugged);
  const slotOf = useCallback((node: string, disk: string) => states[node]?.disks?.find((p) => p.name === disk)?.device ?? plugged[`${node}/${disk}`] ?? "", [states, plugged]);

  const derived = useMemo<LabFlowNode[]>(() => {
    const all: LabFlowNode[] = [];
    const names = Object.keys(doc.nodes);
    Object.entries(doc.switches).forEach(([name, s], i) => {
      const st = switchStates[name];
      all.push({
        id: name,
        type: "labswitch",
        position: placed(s.pos, 80 + i * 220, 60),
        selected: selected === name,
        data: { name, mode: s.mode ?? "switch", kind: s.kind ?? "vde", paused: !!st?.paused, running: !!st?.pid },
      });
    });
    Object.entries(doc.gateways ?? {}).forEach(([name, g], i) => {
      const state = running && gatewayStates[name]?.pid ? "running" : "stopped";
      all.push({
        id: name,
        type: "labgateway",
        position: placed(g.pos, 80 + i * 220, -120),
        selected: selected === name,
        data: { name, switch: g.switch ?? null, dhcp: g.dhcp ?? true, forwards: g.forward?.length ?? 0, state },
      });
    });
    names.forEach((name, i) => {
      const n = doc.nodes[name];
      const st = states[name];
      all.push({
        id: name,
        type: "labnode",
        position: placed(n.pos, 40 + i * 180, 260),
        selected: selected === name,
        data: { name, role: n.role ?? "host", state: running || st ? (st?.state ?? "stopped") : "stopped", reason: st?.reason ?? null, interfaces: n.eth?.length ?? 0, reboot: running ? (st?.reboot ?? null) : null },
      });
    });
    Object.entries(doc.disks ?? {}).forEach(([name, d], i) => {
      const live = running ? diskStates[name] : undefined;
      // Which nodes have it in a slot (the disk's own state, patched as it changes), each with its device.
      const slots = (live?.in ?? []).map((node) => ({ node, device: slotOf(node, name) }));
      all.push({
        id: name,
        type: "labdisk",
        position: placed(d.pos, 40 + i * 200, 440),
        selected: selected === name,
        data: { name, size: diskSize(d), format: d.format ?? "none", users: diskUsers(doc, name), running, in: slots, holder: live?.holder ?? null },
      });
    });
    return all;
  }, [doc, selected, states, switchStates, gatewayStates, diskStates, running, slotOf]);

  const edges = useMemo<LabFlowEdge[]>(() => {
    const at = new Map(derived.map((n) => [n.id, n.position.y]));
    const uplinks = Object.entries(doc.gateways ?? {}).flatMap(([name, g]): LabFlowEdge[] => {
      if (!g.switch || !doc.switches[g.switch]) return [];
      const below = (at.get(name) ?? 0) >= (at.get(g.switch) ?? 0);
      const id = `${name}:uplink`;
      return [{ id, type: "uplink", source: name, target: g.switch, sourceHandle: below ? "t" : "b", targetHandle: below ? "b" : "t", data: { gateway: name }, selected: selected === id, className: "uplink", ariaLabel: `${name} to ${g.switch}` }];
    });
    const wires = Object.entries(doc.nodes).flatMap(([name, n]) =>
      (n.eth ?? []).flatMap((sw, i) => {
        if (sw === null) return [];
        // The wire leaves from the facing sides: a node below its switch wires from its top.
        const below = (at.get(name) ?? 0) >= (at.get(sw) ?? 0);
        const id = `${name}:eth${i}`;
        // Live faults, while the wire is the one the running lab has.
        const live = running && linkStates[id]?.switch === sw ? linkStates[id] : undefined;
        const impaired = live?.impair ? impairmentText(live.impair) : null;
        return [
          {
            id,
            type: "link" as const,
            source: name,
            target: sw,
            sourceHandle: below ? "t" : "b",
            targetHandle: below ? "b" : "t",
            label: impaired ? `eth${i} · ${impaired}` : `eth${i}`,
            data: { node: name, index: i, pulled: !!live?.pulled, impaired },
            selected: selected === id,
            className: [switchStates[sw]?.paused ? "paused" : "", live?.pulled ? "pulled" : "", impaired ? "impaired" : ""].filter(Boolean).join(" "),
            ariaLabel: `${name} eth${i} to ${sw}${live?.pulled ? ", pulled" : ""}${impaired ? `, impaired: ${impaired}` : ""}`,
          },
        ];
      }),
    );
    const cables = (doc.cables ?? []).flatMap(([a, b]): LabFlowEdge[] => {
      const [na, nb] = [a.slice(0, a.indexOf(".")), b.slice(0, b.indexOf("."))];
      if (!doc.nodes[na] || !doc.nodes[nb]) return [];
      const [ya, yb] = [at.get(na) ?? 0, at.get(nb) ?? 0];
      const id = `cable:${a}`;
      const cut = running && cableStates[a]?.b === b && cableStates[a].cut;
      return [
        {
          id,
          type: "serial",
          source: na,
          target: nb,
          // Side by side: bottom to bottom, clear of the wires up to the switches.
          sourceHandle: ya > yb ? "t" : "b",
          targetHandle: ya < yb ? "t" : "b",
          label: `${a.slice(na.length + 1)} ↔ ${b.slice(nb.length + 1)}`,
          data: { a, b, cut },
          selected: selected === id,
          className: `serial${cut ? " cut" : ""}`,
          ariaLabel: `serial cable ${a} to ${b}${cut ? ", cut" : ""}`,
        },
      ];
    });
    // A disk's lines: one to each node that boots with it, and one to a node it is only plugged into while it runs.
    const diskLines = Object.keys(doc.disks ?? {}).flatMap((disk): LabFlowEdge[] => {
      const holder = running ? (diskStates[disk]?.holder ?? null) : null;
      const boot = diskUsers(doc, disk);
      const inSlot = running ? (diskStates[disk]?.in ?? []) : [];
      const plugged = inSlot.filter((node) => !boot.includes(node) && doc.nodes[node]);
      return [...boot, ...plugged].map((node) => {
        const device = inSlot.includes(node) ? slotOf(node, disk) || null : null;
        const holds = holder === node;
        const below = (at.get(disk) ?? 0) >= (at.get(node) ?? 0);
        const id = `disk:${disk}:${node}`;
        const isBoot = boot.includes(node);
        return {
          id,
          type: "disk" as const,
          source: node,
          target: disk,
          sourceHandle: below ? "b" : "t",
          targetHandle: below ? "t" : "b",
          label: device ? `${device.slice("/dev/".length)}${holds ? " · holds it" : ""}` : undefined,
          data: { disk, node, boot: isBoot, device, holds },
          // One plugged in from the menu is not the lab file's: unplugged from the menu, not deleted.
          deletable: isBoot,
          selected: selected === id,
          className: ["disk-line", isBoot ? "" : "hotplug", device ? "in-slot" : "", holds ? "holds" : ""].filter(Boolean).join(" "),
          ariaLabel: `${node} to disk ${disk}${device ? `, ${device}` : ""}${holds ? ", holds it" : ""}`,
        };
      });
    });
    return [...uplinks, ...wires, ...cables, ...diskLines];
  }, [doc, derived, switchStates, linkStates, cableStates, diskStates, running, selected, slotOf]);

  // The canvas gets smaller or larger (the terminal dock, a handout or a capture panel opens or closes): fit
  // again, or nodes stay under the panel that took their place. In steps of 40 px: not on every pixel of a drag.
  const size = useStore((s) => `${Math.round(s.width / 40)}x${Math.round(s.height / 40)}`);
  useEffect(() => {
    const id = requestAnimationFrame(() => void fitView(FIT));
    return () => cancelAnimationFrame(id);
  }, [size, fitView]);

  // React Flow keeps what it measured (sizes, a drag in progress) on its nodes;
  // the lab gives everything else. A node being dragged keeps its place until dropped.
  const [nodes, setNodes] = useState<LabFlowNode[]>(derived);
  useEffect(() => {
    setNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]));
      return derived.map((n) => {
        const o = old.get(n.id);
        if (!o) return n;
        return { ...n, measured: o.measured, dragging: o.dragging, position: o.dragging ? o.position : n.position } as LabFlowNode;
      });
    });
  }, [derived]);

  const onNodesChange = useCallback((changes: NodeChange<LabFlowNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), ns));
    for (const c of changes) if (c.type === "select" && c.selected) useTopology.getState().select(c.id);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<LabFlowEdge>[]) => {
    for (const c of changes) if (c.type === "select" && c.selected) useTopology.getState().select(c.id);
  }, []);

  const onConnect = useCallback<OnConnect>((c) => useTopology.getState().connect(c.source, c.target), []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(PALETTE_MIME) as PaletteKind;
      if (!kind) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      // Centre the element under the pointer.
      useTopology.getState().add(kind, { x: p.x - 60, y: p.y - 22 });
    },
    [screenToFlowPosition],
  );

  const contextFor = (kind: ContextTarget["kind"]) => (e: ReactMouseEvent, n: { id: string }) => {
    e.preventDefault();
    useTopology.getState().select(n.id);
    onContext({ kind, name: n.id, x: e.clientX, y: e.clientY });
  };

  // Handlers that change the lab or open something: none at all when read-only.
  const editing = readOnly
    ? // Sizes React Flow measures still come in through onNodesChange.
      { onNodesChange, nodesDraggable: false, nodesConnectable: false, elementsSelectable: false, deleteKeyCode: null, onNodeContextMenu: (e: ReactMouseEvent) => e.preventDefault(), onEdgeContextMenu: (e: ReactMouseEvent) => e.preventDefault() }
    : {
        onNodesChange,
        onEdgesChange,
        onNodeDragStop: (_e: unknown, _n: unknown, dragged: LabFlowNode[]) => dragged.forEach((n) => useTopology.getState().move(n.id, n.position)),
        onConnect,
        onDelete: ({ nodes: ns, edges: es }: { nodes: LabFlowNode[]; edges: LabFlowEdge[] }) =>
          useTopology.getState().remove(
            ns.map((n) => n.id),
            es.flatMap((e): Wire[] =>
              e.type === "uplink"
                ? [{ gateway: e.source }]
                : e.type === "serial" && e.data
                  ? [{ cable: e.data.a }]
                  : e.type === "disk" && e.data
                    ? e.data.boot
                      ? [{ disk: e.data.disk, node: e.data.node }]
                      : []
                    : e.data && "index" in e.data
                      ? [{ node: e.data.node, index: e.data.index }]
                      : [],
            ),
          ),
        deleteKeyCode: ["Delete", "Backspace"],
        onNodeDoubleClick: (_e: unknown, n: LabFlowNode) => n.type === "labnode" && onOpenConsole(n.id),
        onNodeContextMenu: (e: ReactMouseEvent, n: LabFlowNode) => {
          // A gateway or a disk has nothing to do from a menu: the inspector edits it (a disk is plugged from a node's menu).
          if (n.type === "labgateway" || n.type === "labdisk") {
            e.preventDefault();
            useTopology.getState().select(n.id);
            return onContext(null);
          }
          contextFor(n.type === "labnode" ? "node" : "switch")(e, n);
        },
        onEdgeContextMenu: (e: ReactMouseEvent, edge: LabFlowEdge) => {
          e.preventDefault();
          useTopology.getState().select(edge.id);
          if (edge.type === "serial" && edge.data) return onContext({ kind: "cable", name: edge.data.a, title: `${edge.data.a} ↔ ${edge.data.b}`, x: e.clientX, y: e.clientY });
          if (edge.type === "uplink" || edge.type === "disk" || !edge.data || !("index" in edge.data)) return onContext(null);
          onContext({ kind: "link", name: edge.id, title: `${edge.source} eth${edge.data?.index} ↔ ${edge.target}`, x: e.clientX, y: e.clientY });
        },
        onPaneClick: () => {
          useTopology.getState().select(null);
          onContext(null);
        },
        onDragOver: (e: DragEvent) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        },
        onDrop,
      };

  return (
    <ReactFlow<LabFlowNode, LabFlowEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      connectionMode={ConnectionMode.Loose}
      {...editing}
      fitView
      zoomOnDoubleClick={false}
      fitViewOptions={FIT}
      minZoom={0.2}
      maxZoom={2.5}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={20} />
      <MiniMap pannable zoomable ariaLabel="Mini map" nodeStrokeWidth={3} style={{ width: 150, height: 100 }} nodeColor={(n) => (n.type === "labswitch" ? "#0891b2" : n.type === "labgateway" ? "#0369a1" : n.type === "labdisk" ? "#64748b" : (MINIMAP_COLOURS[(n.data as { state?: string }).state ?? "stopped"] ?? "#8b95a1"))} />
      <Controls />
    </ReactFlow>
  );
}
