"use client";
import "@xyflow/react/dist/style.css";
import { ReactFlowProvider } from "@xyflow/react";
import Link from "next/link";
import { useEffect, useState } from "react";
import type { ChecksView } from "@/server/api/check-service";
import type { ShareView } from "@/server/api/share-service";
import { api, ApiFailure } from "../client/api";
import { Canvas } from "../topology/Canvas";
import { toDoc } from "../topology/doc";
import { useTopology } from "../topology/store";

/** How often the page reads the shared lab's state again (it has no socket: a link opens no live channel). */
const POLL_MS = 5000;

/**
 * A share link's page: the lab drawn read-only with its nodes' states, who
 * shared it and what a fork gets, and a Fork button for a signed-in user.
 * No terminal opens here and nothing can be changed: for that, fork it.
 */
export function SharedLab({ token, initial, problem, signedIn }: { token: string; initial: ShareView | null; problem: string | null; signedIn: boolean }) {
  const [view, setView] = useState(initial);
  const [gone, setGone] = useState(problem);
  const [name, setName] = useState("");
  const [forking, setForking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const doc = useTopology((s) => s.doc);

  useEffect(() => {
    if (!initial) return;
    useTopology.getState().load(toDoc(initial.definition));
    useTopology.getState().setStatus({ ...initial.status, rev: Date.now() });
  }, [initial]);

  useEffect(() => {
    if (gone) return;
    const timer = setInterval(() => {
      api.viewShare(token).then(
        (v) => {
          setView(v);
          useTopology.getState().setStatus({ ...v.status, rev: Date.now() });
        },
        // Revoked or expired meanwhile: the page says so, and offers nothing more.
        (e: Error) => e instanceof ApiFailure && (e.status === 404 || e.status === 410) && setGone(e.message),
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [token, gone]);

  const fork = async () => {
    setForking(true);
    setError(null);
    try {
      const lab = await api.fork(token, name.trim() || undefined);
      window.location.assign(`/labs/${lab.id}`);
    } catch (e) {
      setError((e as Error).message);
      setForking(false);
    }
  };

  if (gone || !view)
    return (
      <main className="auth-page">
        <div className="auth-box" role="alert" data-testid="share-gone">
          <h1>This link opens nothing</h1>
          <p>{gone ?? "no such share link"}</p>
          <Link href="/">umlab</Link>
        </div>
      </main>
    );

  const running = view.status.running;
  const expires = view.expiresAt ? new Date(view.expiresAt).toLocaleString() : null;
  return (
    <div className="workspace shared-lab" data-lab={view.lab}>
      <header className="toolbar">
        <Link href="/" className="home">
          umlab
        </Link>
        <h1>{view.lab}</h1>
        <span className="badge readonly" title="A share link shows the lab; it changes nothing and opens no terminal">
          read-only
        </span>
        <span className={`badge ${running ? "running" : "stopped"}`} data-testid="lab-state">
          {running ? "running" : "stopped"}
        </span>
        <span className="shared-by">
          shared by {view.owner}
          {expires ? ` · link works until ${expires}` : ""}
        </span>
        <span className="spacer" />
        {view.fork && signedIn && (
          <form
            className="fork-form"
            onSubmit={(e) => {
              e.preventDefault();
              void fork();
            }}
          >
            <input aria-label="Name of your fork" placeholder="name (optional)" value={name} maxLength={31} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="primary" disabled={forking}>
              {forking ? "Forking…" : "Fork into my labs"}
            </button>
          </form>
        )}
        {view.fork && !signedIn && (
          <Link className="button primary" href={`/login?next=${encodeURIComponent(`/share/${token}`)}`}>
            Sign in to fork
          </Link>
        )}
        {!view.fork && <span className="muted">view only</span>}
      </header>
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      <div className="banner notice" role="note">
        {view.fork
          ? `A fork is a lab of your own with ${view.disks === "live" ? "the nodes' disks as they are when you fork" : "the nodes' disks as they were when this link was made"}: start it and open its terminals there.`
          : "This link shows the lab only: no terminals, no changes."}
      </div>
      <div className="main">
        <div className="canvas" data-testid="canvas">
          {doc && (
            <ReactFlowProvider>
              <Canvas readOnly onContext={() => {}} onOpenConsole={() => {}} />
            </ReactFlowProvider>
          )}
        </div>
        {view.checks.checks.length > 0 && <SharedChecks checks={view.checks} />}
      </div>
    </div>
  );
}

/** The shared lab's checks, with the results of their last run when there was one. */
function SharedChecks({ checks }: { checks: ChecksView }) {
  const results = new Map(checks.last?.results.map((r) => [r.id, r]) ?? []);
  return (
    <aside className="assignment-pane" aria-label="Checks" data-testid="shared-checks">
      <header>
        <strong>Checks</strong>
        {checks.last && (
          <span className="muted">
            {" "}
            · {checks.last.points}/{checks.last.maxPoints} points at {new Date(checks.last.ranAt).toLocaleTimeString()}
          </span>
        )}
      </header>
      <ul className="messages">
        {checks.checks.map((c) => {
          const r = results.get(c.id);
          return (
            <li key={c.id} data-check={c.id} data-passed={r ? String(r.passed) : ""}>
              {r ? (r.passed ? "✓ " : "✗ ") : "· "}
              {c.description} <span className="muted">({c.points} pt)</span>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
