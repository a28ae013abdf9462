"use client";
import { useEffect, useState } from "react";
import { CodeEditor } from "./CodeEditor";
import { useTopology } from "./store";

/** Edits the selected node, switch or wire; with nothing selected, the lab itself. */
export function Inspector() {
  const doc = useTopology((s) => s.doc)!;
  const selected = useTopology((s) => s.selected);
  const status = useTopology((s) => (selected ? s.nodes[selected] : undefined));
  const edit = useTopology((s) => s.edit);

  if (selected && doc.nodes[selected]) {
    const n = doc.nodes[selected];
    return (
      <aside className="inspector" aria-label="Inspector" data-inspect={selected}>
        <h3>{n.role === "router" ? "Router" : "Host"}</h3>
        <NameField name={selected} />
        <label>
          Role
          <select value={n.role ?? "host"} onChange={(e) => edit((d) => void (e.target.value === "router" ? (d.nodes[selected].role = "router") : delete d.nodes[selected].role))}>
            <option value="host">host</option>
            <option value="router">router (forwards IPv4)</option>
          </select>
        </label>
        <label>
          Image
          <input list="umlab-images" value={n.image ?? "busybox"} onChange={(e) => edit((d) => void (d.nodes[selected].image = e.target.value || undefined))} />
          <datalist id="umlab-images">
            <option value="busybox" />
          </datalist>
        </label>
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
        <label>
          Mode
          <select value={s.mode ?? "switch"} onChange={(e) => edit((d) => void (e.target.value === "hub" ? (d.switches[selected].mode = "hub") : delete d.switches[selected].mode))}>
            <option value="switch">switch</option>
            <option value="hub">hub</option>
          </select>
        </label>
        <label>
          Kind
          <select value={s.kind ?? "vde"} onChange={(e) => edit((d) => void (e.target.value === "uml_switch" ? (d.switches[selected].kind = "uml_switch") : delete d.switches[selected].kind))}>
            <option value="vde">vde_switch</option>
            <option value="uml_switch">uml_switch</option>
          </select>
        </label>
        <small>Plugged: {Object.entries(doc.nodes).flatMap(([name, n]) => (n.eth ?? []).map((w, i) => (w === selected ? `${name}:eth${i}` : null)).filter(Boolean)).join(", ") || "nothing yet"}</small>
      </aside>
    );
  }

  return (
    <aside className="inspector" aria-label="Inspector">
      <h3>Lab</h3>
      <label>
        Description
        <textarea rows={3} value={doc.description ?? ""} onChange={(e) => edit((d) => void (e.target.value ? (d.description = e.target.value) : delete d.description))} />
      </label>
      <small>
        {Object.keys(doc.nodes).length} nodes, {Object.keys(doc.switches).length} switches. Select something on the canvas to edit it.
      </small>
    </aside>
  );
}

/** Renames on Enter or when leaving the field; a bad name is explained, not saved. */
function NameField({ name }: { name: string }) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setValue(name);
    setError(null);
  }, [name]);
  const apply = () => setError(useTopology.getState().rename(name, value.trim()));
  return (
    <label>
      Name
      <input aria-label="Name" value={value} onChange={(e) => setValue(e.target.value)} onBlur={apply} onKeyDown={(e) => e.key === "Enter" && apply()} aria-invalid={!!error} />
      {error && <small className="error">{error}</small>}
    </label>
  );
}
