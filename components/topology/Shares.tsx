"use client";
import { useCallback, useEffect, useState } from "react";
import type { ShareInfo, ShareRequest } from "@/server/model/share";
import { api } from "../client/api";
import type { Act } from "./menu-items";

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const KINDS = {
  snapshot: "Forks get the disks as they are now",
  live: "Forks get the disks as they are when forked",
  view: "View only: no forks",
} as const;
const LIFETIMES = [
  ["", "never expires"],
  ["1h", "expires in 1 hour"],
  ["1d", "expires in 1 day"],
  ["7d", "expires in 7 days"],
  ["30d", "expires in 30 days"],
] as const;

const describe = (s: ShareInfo) => (!s.fork ? "view only" : s.disks === "live" ? "forks: disks when forked" : "forks: disks as shared");

/**
 * The lab's share links: make one (what forks get, how long it works), copy
 * it, revoke it. Whoever opens a link sees the lab read-only at /share/TOKEN;
 * signed-in users may fork it into a lab of their own.
 */
export function SharePanel({ labId, act, busy, onClose }: { labId: string; act: Act; busy: boolean; onClose: () => void }) {
  const [list, setList] = useState<ShareInfo[] | null>(null);
  const [kind, setKind] = useState<keyof typeof KINDS>("snapshot");
  const [expires, setExpires] = useState("");
  const [copied, setCopied] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => api.shares(labId).then((r) => setList(r.shares), (e: Error) => setError(e.message)), [labId]);
  useEffect(() => void refresh(), [refresh]);
  const url = (s: ShareInfo) => new URL(s.path, window.location.origin).toString();

  const create = () =>
    act("making a share link", async () => {
      const req: ShareRequest = { disks: kind === "live" ? "live" : "snapshot", fork: kind !== "view", expiresIn: expires || null };
      await api.share(labId, req);
      await refresh();
    });
  const copy = async (s: ShareInfo) => {
    try {
      await navigator.clipboard.writeText(url(s));
      setCopied(s.id);
    } catch {
      // No clipboard (a page not on https or localhost): the field is there to select.
      setError("copy the link from its field: this browser gives no clipboard to this page");
    }
  };
  const revoke = (s: ShareInfo) => {
    if (!window.confirm("Revoke this link? It stops working for everyone who has it; forks made from it stay theirs.")) return;
    void act("revoking a share link", () => api.revokeShare(labId, s.id).then(refresh));
  };

  return (
    <section className="tool-panel share-panel" aria-label="Share links" data-testid="share-panel">
      <header>
        <strong>Share links</strong>
        <button type="button" className="link" onClick={onClose}>
          close
        </button>
      </header>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <select aria-label="What forks get" value={kind} onChange={(e) => setKind(e.target.value as keyof typeof KINDS)}>
          {Object.entries(KINDS).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
        <select aria-label="Expires" value={expires} onChange={(e) => setExpires(e.target.value)}>
          {LIFETIMES.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy}>
          Create link
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {list && !list.length && <p className="empty">No links yet. Whoever has a link sees this lab read-only (no terminals); signed-in users can fork it into a lab of their own.</p>}
      <ul className="links">
        {(list ?? []).map((s) => (
          <li key={s.id} data-testid="share-link" className={s.expired ? "expired" : ""}>
            <input aria-label="Share link" readOnly value={url(s)} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => void copy(s)}>
              {copied === s.id ? "Copied" : "Copy"}
            </button>
            <button type="button" className="link danger" disabled={busy} onClick={() => revoke(s)}>
              revoke
            </button>
            <small>
              {describe(s)} · {s.forks} fork{s.forks === 1 ? "" : "s"} · {s.expired ? "expired" : s.expiresAt ? `until ${when(s.expiresAt)}` : "no expiry"} · made {when(s.createdAt)}
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}
