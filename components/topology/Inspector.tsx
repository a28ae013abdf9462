"use client";
import { impairmentText } from "@/server/model/link";
import { useImages } from "../client/images";
import { CodeEditor } from "./CodeEditor";
import { DiskInspector } from "./DiskInspector";
import { bootDevice } from "./doc";
import { rebootText } from "./elements";
import { GatewayInspector } from "./GatewayInspector";
import { KernelField } from "./KernelField";
import { NameField } from "./NameField";
import { ScenarioField } from "./Scenario";
import { useTopology } from "./store";

/** Edits the selected node, switch or wire; with nothing selected, the lab itself. */
export function Inspector() {
  const doc = useTopology((s) => s.doc)!;
  const selected = useTopology((s) => s.selected);
  const status = useTopology((s) => (selected ? s.nodes[selected] : undefined));
  const edit = useTopology((s) => s.edit);
  const live = useTopology((s) => s.disks);
  const plugged = useTopology((s) => s.plugged);

  if (selected && doc.nodes[selected]) {
    const n = doc.nodes[selected];
    return (
      <aside className="inspector" aria-label="Inspector" data-inspect={selected}>
        <h3>{n.role === "router" ? "Router" : "Host"}</h3>
        <NameField name={selected} />
        <Choice label="Role" value={n.role} options={{ host: "host", router: "router (forwards IPv4)" }} onChange={(v) => edit((d) => setOrDrop(d.nodes[selected], "role", v))} />
        <KernelField label="Kernel" value={n.kernel} onChange={(v) => edit((d) => setOrDrop(d.nodes[selected], "kernel", v))} />
        <ImageField image={n.image ?? "busybox"} mem={n.mem} onChange={(v) => edit((d) => void (d.nodes[selected].image = v === "busybox" ? undefined : v))} />
        <label>
          Memory
          <input value={String(n.mem ?? "64M")} onChange={(e) => edit((d) => void (d.nodes[selected].mem = e.target.value || undefined))} />
        </label>
        <div className="field">
          <span>Interfaces</span>
          {(n.eth ?? []).length === 0 && <small>none: drag from this node to a switch</small>}
          <ul className="ifaces">
            {(n.eth ?? []).map((sw, i) => (
              <li key={i}>
                eth{i} → {sw ?? <em>unplugged</em>}
                {sw !== null && (
                  <button type="button" className="link" onClick={() => useTopology.getState().disconnect(selected, i)}>
                    unplug
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
        <div className="field">
          <span>Disks</span>
          {(n.disks ?? []).length === 0 && <small>none: drag from a disk to this node</small>}
          <ul className="ifaces" data-testid="node-disks">
            {(n.disks ?? []).map((disk) => (
              <li key={disk}>
                {bootDevice(doc, selected, disk)} → {disk}{" "}
                <button type="button" className="link" onClick={() => useTopology.getState().detachDisk(selected, disk)}>
                  detach
                </button>
              </li>
            ))}
            {/* Plugged in from its menu while it runs: not the lab file's. */}
            {Object.values(live)
              .filter((d) => d.in.includes(selected) && !(n.disks ?? []).includes(d.name))
              .map((d) => (
                <li key={d.name}>
                  {status?.disks?.find((p) => p.name === d.name)?.device ?? plugged[`${selected}/${d.name}`] ?? "a slot"} → {d.name} <small>(plugged in while it runs)</small>
                </li>
              ))}
          </ul>
        </div>
        {status?.reboot && (status.state === "running" || status.state === "booting") && (
          <p className={`reboot-note cause-${status.reboot.cause}`} data-testid="node-reboot">
            ↻ {rebootText(status.reboot)}
          </p>
        )}
        <div className="field">
          <span>Startup script</span>
          <CodeEditor label="Startup script" value={n.startup ?? ""} onChange={(v) => edit((d) => void (v ? (d.nodes[selected].startup = v) : delete d.nodes[selected].startup))} />
        </div>
        {status?.state === "crashed" && (
          <div className="crash" role="alert">
            <strong>Crashed</strong>
            <pre>{status.reason}</pre>
          </div>
        )}
      </aside>
    );
  }

  if (selected && doc.switches[selected]) {
    const s = doc.switches[selected];
    return (
      <aside className="inspector" aria-label="Inspector" data-inspect={selected}>
        <h3>{s.mode === "hub" ? "Hub" : "Switch"}</h3>
        <NameField name={selected} />
        <Choice label="Mode" value={s.mode} options={{ switch: "switch", hub: "hub" }} onChange={(v) => edit((d) => setOrDrop(d.switches[selected], "mode", v))} />
        <Choice label="Kind" value={s.kind} options={{ vde: "vde_switch", uml_switch: "uml_switch" }} onChange={(v) => edit((d) => setOrDrop(d.switches[selected], "kind", v))} />
        <TapFields tap={s.tap} onChange={(tap) => edit((d) => setOrDrop(d.switches[selected], "tap", tap))} />
        <small>Plugged: {Object.entries(doc.nodes).flatMap(([name, n]) => (n.eth ?? []).map((w, i) => (w === selected ? `${name}:eth${i}` : null)).filter(Boolean)).join(", ") || "nothing yet"}</small>
      </aside>
    );
  }

  const disk = selected && (doc.disks?.[selected] ? selected : /^disk:([^:]+):/.exec(selected)?.[1]);
  if (disk && doc.disks?.[disk]) return <DiskInspector name={disk} />;

  const gateway = selected && (doc.gateways?.[selected] ? selected : /^(.+):uplink$/.exec(selected)?.[1]);
  if (gateway && doc.gateways?.[gateway]) return <GatewayInspector name={gateway} />;

  const wire = selected ? /^(.+):eth(\d+)$/.exec(selected) : null;
  const wiredTo = wire ? doc.nodes[wire[1]]?.eth?.[Number(wire[2])] : null;
  if (wire && wiredTo) return <WireInspector id={selected!} node={wire[1]} iface={`eth${wire[2]}`} sw={wiredTo} />;

  return (
    <aside className="inspector" aria-label="Inspector">
      <h3>Lab</h3>
      <KernelField label="Kernel of every node" value={doc.kernel} onChange={(v) => edit((d) => setOrDrop(d, "kernel", v))} />
      <label>
        Description
        <textarea rows={3} value={doc.description ?? ""} onChange={(e) => edit((d) => void (e.target.value ? (d.description = e.target.value) : delete d.description))} />
      </label>
      <ScenarioField />
      <small>
        {Object.keys(doc.nodes).length} nodes, {Object.keys(doc.switches).length} switches{doc.disks ? `, ${Object.keys(doc.disks).length} disks` : ""}. Select something on the canvas to edit it.
      </small>
    </aside>
  );
}

/** A wire: what it joins and, while the lab runs, its port and faults (right-click it to change them). */
function WireInspector({ id, node, iface, sw }: { id: string; node: string; iface: string; sw: string }) {
  const running = useTopology((s) => s.running);
  const live = useTopology((s) => s.links[id]);
  const state = !running || !live ? "lab not running" : [live.pulled ? "pulled" : "", live.impair ? `impaired: ${impairmentText(live.impair)}` : ""].filter(Boolean).join("; ") || "up";
  return (
    <aside className="inspector" aria-label="Inspector" data-inspect={id}>
      <h3>Wire</h3>
      <p>
        {node} {iface} ↔ {sw}
        {running && live?.port ? ` (port ${live.port})` : ""}
      </p>
      <p data-testid="wire-state">State: {state}</p>
      <small>Right-click the wire to pull it, plug it back, impair it or clear its impairment.</small>
    </aside>
  );
}

/**
 * A select over a field whose first option is the lab file's default: choosing
 * the default removes the field, so the saved file stays as short as it can be.
 */
function Choice<K extends string>({ label, value, options, onChange }: { label: string; value: K | undefined; options: Record<K, string>; onChange: (v: K | undefined) => void }) {
  const keys = Object.keys(options) as K[];
  return (
    <label>
      {label}
      <select value={value ?? keys[0]} onChange={(e) => onChange(e.target.value === keys[0] ? undefined : (e.target.value as K))}>
        {keys.map((k) => (
          <option key={k} value={k}>
            {options[k]}
          </option>
        ))}
      </select>
    </label>
  );
}

function setOrDrop<T extends object, F extends keyof T>(target: T, field: F, value: T[F] | undefined): void {
  if (value === undefined) delete target[field];
  else target[field] = value;
}

/** The image a node boots, from the images the server has (a missing one is said so), and the memory it wants. */
function ImageField({ image, mem, onChange }: { image: string; mem: string | number | undefined; onChange: (v: string) => void }) {
  const images = useImages();
  const known = images ?? [];
  const info = known.find((i) => i.name === image);
  const memMiB = typeof mem === "number" ? mem : mem ? parseInt(mem, 10) * (/g/i.test(mem) ? 1024 : 1) : 64;
  return (
    <label>
      Image
      <select value={image} onChange={(e) => onChange(e.target.value)}>
        {!info && <option value={image}>{image} (unknown)</option>}
        {known.map((i) => (
          <option key={i.name} value={i.name}>
            {i.name}
            {i.ready ? "" : i.build.state === "building" ? " (building…)" : " (not built)"}
          </option>
        ))}
      </select>
      {info && info.memoryMiB > memMiB && <small className="warn">{image} wants at least {info.memoryMiB}M of memory</small>}
    </label>
  );
}

/** The host on a switch through a tap device: its interface name and, if given, the address the host takes. Needs root. */
function TapFields({ tap, onChange }: { tap: { name: string; address?: string } | undefined; onChange: (t: { name: string; address?: string } | undefined) => void }) {
  const set = (name: string, address: string) => onChange(name ? { name, ...(address ? { address } : {}) } : undefined);
  return (
    <fieldset className="tap">
      <legend>Host tap (needs root)</legend>
      <label>
        Interface
        <input placeholder="e.g. umlab0" value={tap?.name ?? ""} onChange={(e) => set(e.target.value, tap?.address ?? "")} />
      </label>
      <label>
        Host address
        <input placeholder="e.g. 10.0.0.254/24" disabled={!tap} value={tap?.address ?? ""} onChange={(e) => set(tap?.name ?? "", e.target.value)} />
      </label>
    </fieldset>
  );
}
