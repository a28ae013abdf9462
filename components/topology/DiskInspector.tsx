"use client";
import { useEffect, useState } from "react";
import { parseDiskSize } from "@/server/model/disk";
import { bootDevice, diskSize, diskUsers } from "./doc";
import { NameField } from "./NameField";
import { useTopology } from "./store";

const FORMATS = { none: "none (blank)", ext4: "ext4 (labelled with its name)", ext2: "ext2 (labelled with its name)" } as const;

/**
 * A disk: its name (a rename keeps the nodes that boot with it), size,
 * format, the nodes that boot with it and, while the lab runs, who has it
 * in a slot and whose guest holds it open.
 */
export function DiskInspector({ name }: { name: string }) {
  const doc = useTopology((s) => s.doc)!;
  const d = doc.disks![name];
  const running = useTopology((s) => s.running);
  const live = useTopology((s) => s.disks[name]);
  const nodes = useTopology((s) => s.nodes);
  const edit = useTopology((s) => s.edit);
  const users = diskUsers(doc, name);

  // The size as typed; the lab keeps it once it is a size.
  const saved = String(d.size ?? "");
  const [size, setSize] = useState(saved);
  useEffect(() => setSize((t) => (t.trim() === saved ? t : saved)), [saved, name]);
  const checked = size.trim() ? parseDiskSize(/^\d+$/.test(size.trim()) ? Number(size.trim()) : size.trim()) : null;
  const sizeProblem = typeof checked === "string" ? checked : null;

  const plugged = useTopology((s) => s.plugged);
  const slots = running ? (live?.in ?? []).map((n) => [n, nodes[n]?.disks?.find((p) => p.name === name)?.device ?? plugged[`${n}/${name}`]].filter(Boolean).join(" ")) : [];
  const state = !running ? "lab not running" : live?.holder ? `held by ${live.holder}` : "free";
  return (
    <aside className="inspector" aria-label="Inspector" data-inspect={name}>
      <h3>Disk</h3>
      <NameField name={name} />
      <label>
        Size
        <input
          aria-label="Size"
          placeholder="256M"
          value={size}
          aria-invalid={!!sizeProblem}
          onChange={(e) => {
            setSize(e.target.value);
            const v = e.target.value.trim();
            const typed = /^\d+$/.test(v) ? Number(v) : v;
            if (!v) edit((x) => void delete x.disks![name].size);
            else if (typeof parseDiskSize(typed) === "number") edit((x) => void (x.disks![name].size = typed));
          }}
        />
        {sizeProblem ? <small className="error">{sizeProblem}</small> : <small className="help">e.g. 64M, 256M (the default), 1G</small>}
      </label>
      <label>
        Format
        <select aria-label="Format" value={d.format ?? "none"} onChange={(e) => edit((x) => void (e.target.value === "none" ? delete x.disks![name].format : (x.disks![name].format = e.target.value as "ext4" | "ext2")))}>
          {Object.entries(FORMATS).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <div className="field">
        <span>Nodes that boot with it</span>
        {users.length === 0 && <small>none: drag from this disk to a node</small>}
        <ul className="ifaces" data-testid="disk-users">
          {users.map((n) => (
            <li key={n}>
              {n} ({bootDevice(doc, n, name)}){" "}
              <button type="button" className="link" onClick={() => useTopology.getState().detachDisk(n, name)}>
                detach
              </button>
            </li>
          ))}
        </ul>
        {users.length > 1 && <small className="help">Shared: one file, opened by one guest at a time. The other is refused and told who holds it.</small>}
      </div>
      <p data-testid="disk-state">State: {state}</p>
      {running && <p data-testid="disk-slots">In a slot: {slots.length ? slots.join(", ") : "no node"}</p>}
      <small className="help">
        {diskSize(d)}, {d.format && d.format !== "none" ? `${d.format}, labelled ${name}` : "blank"}. Its file is made at the first start of a node that has it and keeps what is written; a new size or format applies to a disk not made yet. A running node gets it from its menu:
        Plug disk.
      </small>
    </aside>
  );
}
