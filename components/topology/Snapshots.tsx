"use client";
import { useCallback, useEffect, useState } from "react";
import type { SnapshotInfo } from "@/server/engine/disk/snapshots";
import { api } from "../client/api";
import type { Act } from "./menu-items";
import { useTopology } from "./store";

const mib = (b: number) => (b < 1024 * 1024 ? `${Math.max(1, Math.round(b / 1024))} KiB` : `${(b / 1024 / 1024).toFixed(1)} MiB`);
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * The lab's snapshots as a timeline, oldest first: take one (the whole lab,
 * or the node picked), roll back to any (what ran runs again), delete one,
 * or reset the lab to fresh disks. A rollback of the whole lab brings back
 * its definition too, so `reload` redraws the canvas from the saved lab.
 */
export function SnapshotPanel({ labId, act, busy, onClose, reload }: { labId: string; act: Act; busy: boolean; onClose: () => void; reload: () => Promise<void> }) {
  const [list, setList] = useState<SnapshotInfo[] | null>(null);
  const [name, setName] = useState("");
  const [node, setNode] = useState("");
  const [error, setError] = useState<string | null>(null);
  // The object itself: a new array from the selector on every call would re-render without end.
  const docNodes = useTopology((s) => s.doc?.nodes);
  const nodes = Object.keys(docNodes ?? {});
  const refresh = useCallback(() => api.snapshots(labId).then((r) => setList(r.snapshots), (e: Error) => setError(e.message)), [labId]);
  useEffect(() => void refresh(), [refresh]);

  const take = () =>
    act(`taking snapshot ${name}`, async () => {
      await api.takeSnapshot(labId, name.trim() || `snapshot ${list ? list.length + 1 : 1}`, node || null);
      setName("");
      await refresh();
    });
  const rollback = (s: SnapshotInfo) => {
    if (!window.confirm(`Roll ${s.node ? `node ${s.node}` : "the lab"} back to "${s.name}"? What changed since is lost; what runs is restarted.`)) return;
    void act(`rolling back to ${s.name}`, async () => {
      const status = await api.rollback(labId, s.id, s.node);
      if (!s.node) await reload();
      return status;
    });
  };
  const remove = (s: SnapshotInfo) => {
    if (!window.confirm(`Delete snapshot "${s.name}"?`)) return;
    void act(`deleting snapshot ${s.name}`, () => api.removeSnapshot(labId, s.id).then(refresh));
  };
  const reset = () => {
    if (!window.confirm("Reset every node to a fresh disk? What the nodes wrote is lost (snapshots are kept).")) return;
    void act("resetting the lab", () => api.reset(labId, null));
  };

  return (
    <section className="tool-panel" aria-label="Snapshots" data-testid="snapshot-panel">
      <header>
        <strong>Snapshots</strong>
        <button type="button" className="link" onClick={onClose}>
          close
        </button>
      </header>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void take();
        }}
      >
        <input aria-label="Snapshot name" placeholder="name, e.g. before OSPF" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        <select aria-label="Snapshot of" value={node} onChange={(e) => setNode(e.target.value)}>
          <option value="">whole lab</option>
          {nodes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy}>
          Take
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {list && !list.length && <p className="empty">No snapshots yet. One keeps the disks and the topology as they are now; running guests pause for a moment.</p>}
      <ol className="timeline">
        {(list ?? []).map((s) => (
          <li key={s.id} data-testid="snapshot" data-name={s.name}>
            <span className="dot" aria-hidden />
            <div>
              <strong>{s.name}</strong> <span className="of">{s.node ? `node ${s.node}` : "whole lab"}</span>
              <small>
                {when(s.createdAt)} · {mib(s.diskBytes)} on disk{s.frozenMs !== null ? ` · paused ${s.frozenMs} ms` : ""}
              </small>
            </div>
            <button type="button" disabled={busy} onClick={() => rollback(s)}>
              Roll back
            </button>
            <button type="button" className="link danger" disabled={busy} onClick={() => remove(s)}>
              delete
            </button>
          </li>
        ))}
      </ol>
      <footer>
        <button type="button" className="danger" disabled={busy} onClick={reset}>
          Reset lab to fresh disks
        </button>
      </footer>
    </section>
  );
}
