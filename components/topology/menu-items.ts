import type { LabStatus } from "@/server/engine/lab-run";
import { api } from "../client/api";
import { captureMenu } from "../capture/menu";
import { SERIAL_LINES } from "@/server/model/serial";
import type { ContextTarget } from "./Canvas";
import type { MenuItem } from "./ContextMenu";
import type { useTopology } from "./store";

/**
 * Runs a lab action with the workspace's busy label, saving first. A lab
 * state in the answer is shown; `applies` says which pending edits the
 * action put into effect (a node's (re)start: that node's; a lab start or
 * stop: all).
 */
export type Act = (label: string, fn: () => Promise<unknown>, applies?: "lab" | { node: string }) => Promise<void>;

/** An action's answer that is a lab's live state (node, link, switch and lab actions answer with one). */
export function isLabStatus(v: unknown): v is LabStatus {
  return typeof v === "object" && v !== null && typeof (v as LabStatus).rev === "number" && typeof (v as LabStatus).id === "string" && Array.isArray((v as LabStatus).nodes);
}

type Topology = ReturnType<typeof useTopology.getState>;

const SYSRQ = [
  ["m", "memory"],
  ["w", "blocked tasks"],
  ["s", "sync"],
  ["u", "remount read-only"],
  ["e", "terminate all"],
  ["i", "kill all"],
  ["h", "help"],
] as const;

/**
 * The right-click menu of a node, a switch or a wire, from the lab's current
 * state `t`: actions go through `act`; "Impair…" asks `impair` to open the dialog.
 */
export function menuItems(
  m: ContextTarget,
  { t, labId, act, openConsole, impair }: { t: Topology; labId: string; act: Act; openConsole: (node: string) => void; impair: (target: { wire: string; title: string }) => void },
): MenuItem[] {
  const nodeMenu = (n: string): MenuItem[] => {
    const state = t.nodes[n]?.state ?? "stopped";
    const up = state === "booting" || state === "running";
    const mc = (op: string, key?: string) => () => act(`mconsole ${op}`, () => api.mconsole(labId, n, key ? { op, key } : { op }));
    return [
      { label: "Open terminal", run: () => openConsole(n) },
      {
        label: "Serial line terminal",
        // A line with a cable carries its cable's bytes only: no terminal on it.
        items: SERIAL_LINES.map((k) => {
          const cable = t.doc!.cables?.find((c) => c.includes(`${n}.ttyS${k}`));
          return { label: `ttyS${k}${cable ? ` (cable to ${cable.find((l) => l !== `${n}.ttyS${k}`)})` : ""}`, disabled: !!cable, run: () => openConsole(`${n}.ttyS${k}`) };
        }),
      },
      { label: up ? "Restart" : "Start", run: () => act(`${n}`, () => api.nodeAction(labId, n, up ? "restart" : "start"), { node: n }) },
      ...diskItems(n),
      { label: "Halt", disabled: !up, run: () => act(`${n}`, () => api.nodeAction(labId, n, "stop")) },
      { label: "Crash (kill)", danger: true, disabled: !up, run: () => act(`${n}`, () => api.nodeAction(labId, n, "crash")) },
      { label: "Wipe disk", danger: true, disabled: up, run: () => act(`${n}`, () => api.nodeAction(labId, n, "wipe")) },
      {
        label: "Make image from disk…",
        run: () => {
          const image = window.prompt(`A new image from ${n}'s disk as it is now (its image and other disks stay as they are). Its name:`, `${n}-image`);
          if (image) void act(`making image ${image}`, () => api.mergeNode(labId, n, image).then((i) => t.say(`image ${i.name} is ready: nodes boot it with image ${i.name}`)));
        },
      },
      {
        label: "Machine console",
        items: [
          { label: "Freeze (stop)", disabled: !up, run: mc("stop") },
          { label: "Thaw (go)", disabled: !up, run: mc("go") },
          { label: "Ctrl-Alt-Del", disabled: !up, run: mc("cad") },
          { label: "Reboot", disabled: !up, run: mc("reboot") },
          ...SYSRQ.map(([key, what]) => ({ label: `SysRq ${key}: ${what}`, disabled: !up, run: mc("sysrq", key) })),
        ],
      },
    ];
  };
  // A disk action's answer names the devices, which the disks patch other pages get does not.
  const diskAction = (n: string, d: string, action: "plug" | "unplug") =>
    api.diskAction(labId, n, d, action).then((s) => {
      t.notePlugged(s);
      return s;
    });
  // While it runs: the lab's disks it has not got, to plug into its next free slot, and those it has, to unplug.
  const diskItems = (n: string): MenuItem[] => {
    const st = t.nodes[n];
    const all = Object.keys(t.doc!.disks ?? {});
    if (st?.state !== "running" || !all.length) return [];
    // Which it has: the disks' own state (patched as it changes), the device from the node's.
    const has = all.filter((d) => t.disks[d]?.in.includes(n) ?? (st.disks ?? []).some((p) => p.name === d));
    const others = all.filter((d) => !has.includes(d));
    const plugs: MenuItem[] = others.length
      ? [
          {
            label: "Plug disk",
            items: others.map((d) => {
              const holder = t.disks[d]?.holder;
              return { label: d, title: `Into ${n}'s next free slot${holder ? ` (held by ${holder} now: ${n} can open it once ${holder} lets go)` : ""}`, run: () => act(`plugging ${d} into ${n}`, () => diskAction(n, d, "plug")) };
            }),
          },
        ]
      : [];
    const unplugs = has.map((d) => {
      const device = st.disks?.find((p) => p.name === d)?.device ?? t.plugged[`${n}/${d}`];
      return { label: `Unplug ${d}${device ? ` (${device})` : ""}`, title: "The guest must not have it mounted", run: () => act(`unplugging ${d} from ${n}`, () => diskAction(n, d, "unplug")) };
    });
    return [...plugs, ...unplugs];
  };
  const switchMenu = (s: string): MenuItem[] => {
    const paused = !!t.switches[s]?.paused;
    return [
      { label: paused ? "Resume" : "Pause", disabled: !t.running, run: () => act(s, () => api.switchAction(labId, s, paused ? "resume" : "pause")) },
      ...captureMenu({ kind: "switch", name: s }, { labId, running: t.running, captures: t.captures, switchKind: t.doc!.switches[s]?.kind ?? "vde", act }),
    ];
  };

  // A wire ("node:eth0"): pull / plug it, impair / clear it, on the switch, from outside the guest.
  const linkMenu = (wire: string, title: string): MenuItem[] => {
    const [node, iface] = wire.split(":");
    const sw = t.doc!.nodes[node]?.eth?.[Number(iface.slice(3))] ?? null;
    const def = sw ? t.doc!.switches[sw] : undefined;
    const live = t.links[wire];
    const kind = !def ? null : (def.kind ?? "vde") !== "vde" ? "a uml_switch" : def.mode === "hub" ? "a hub" : null;
    const why = !t.running ? "the lab is not running" : kind ? `link faults need a vde switch in switch mode; ${sw} is ${kind}` : undefined;
    const link = (label: string, req: Parameters<typeof api.linkAction>[3]) => act(label, () => api.linkAction(labId, node, iface, req));
    return [
      ...(kind ? [{ label: `Link faults need a vde switch in switch mode; ${sw} is ${kind}.`, note: true }] : []),
      live?.pulled
        ? { label: "Plug link back", disabled: !!why, title: why, run: () => link(`plugging ${wire}`, { action: "plug" }) }
        : { label: "Pull link", disabled: !!why, title: why ?? "Frames stop both ways, as if the cable were pulled out", run: () => link(`pulling ${wire}`, { action: "pull" }) },
      { label: live?.impair ? "Change impairment…" : "Impair…", disabled: !!why, title: why ?? "Loss, delay, bandwidth, duplication", run: () => impair({ wire, title }) },
      { label: "Clear impairment", disabled: !!why || !live?.impair, title: why, run: () => link(`clearing ${wire}`, { action: "clear" }) },
      ...captureMenu({ kind: "link", node, iface }, { labId, running: t.running, captures: t.captures, switchKind: def ? (def.kind ?? "vde") : null, act }),
    ];
  };
  // A serial cable ("one.ttyS2", its first line): cut it and mend it, from outside the guests.
  const cableMenu = (line: string): MenuItem[] => {
    const cut = !!t.cables[line]?.cut;
    const why = t.running ? undefined : "the lab is not running";
    return [
      cut
        ? { label: "Mend cable", disabled: !!why, title: why, run: () => act(`mending ${line}`, () => api.cableAction(labId, line, "mend")) }
        : { label: "Cut cable", disabled: !!why, title: why ?? "No byte crosses it either way until it is mended", run: () => act(`cutting ${line}`, () => api.cableAction(labId, line, "cut")) },
      ...captureMenu({ kind: "cable", line }, { labId, running: t.running, captures: t.captures, switchKind: null, act }),
    ];
  };
  if (m.kind === "cable") return cableMenu(m.name);
  return m.kind === "node" ? nodeMenu(m.name) : m.kind === "switch" ? switchMenu(m.name) : linkMenu(m.name, m.title ?? m.name);
}
