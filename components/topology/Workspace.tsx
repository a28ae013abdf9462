"use client";
import "@xyflow/react/dist/style.css";
import "@xterm/xterm/css/xterm.css";
import { ReactFlowProvider } from "@xyflow/react";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { LabDetail } from "@/server/api/lab-service";
import type { LiveEvent } from "@/server/engine/live";
import { api, ApiFailure } from "../client/api";
import { AccountMenu } from "../account/AccountMenu";
import { umlabSocket } from "../client/socket";
import { Dock } from "../terminal/Dock";
import { useDock } from "../terminal/dock-store";
import { Canvas, type ContextTarget } from "./Canvas";
import { ChangesBanner } from "./ChangesBanner";
import { ContextMenu } from "./ContextMenu";
import { toDoc, toRaw } from "./doc";
import { ImpairDialog } from "./ImpairDialog";
import { Inspector } from "./Inspector";
import { isLabStatus, menuItems, type Act } from "./menu-items";
import { Palette } from "./Palette";
import { downloadPng, downloadSvg } from "./picture";
import { ChecksButton, ChecksPanel } from "./Checks";
import { ScenarioButton, ScenarioLog, useScenario, useScenarioFeed } from "./Scenario";
import { AssignmentPane } from "../classes/AssignmentPane";
import { CapturePanel } from "../capture/CapturePanel";
import { SharePanel } from "./Shares";
import { SnapshotPanel } from "./Snapshots";
import { trace, useTopology } from "./store";

const SAVE_DELAY_MS = 300;
/** A refused subscribe is asked again this much later, this many times (a lab deleted meanwhile is refused for good). */
const RESUBSCRIBE_MS = 1000;
const RESUBSCRIBE_TRIES = 10;

/** The lab workspace: palette, canvas, inspector, live state, and the terminal dock. */
export function Workspace({ labId }: { labId: string }) {
  const [detail, setDetail] = useState<LabDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [menu, setMenu] = useState<ContextTarget | null>(null);
  const [impairing, setImpairing] = useState<{ wire: string; title: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [snapshotsOpen, setSnapshotsOpen] = useState(false);
  const [sharesOpen, setSharesOpen] = useState(false);
  const t = useTopology();
  const name = detail?.name ?? "";

  // Load the lab, then follow its live state.
  useEffect(() => {
    let gone = false;
    api
      .get(labId)
      .then((d) => {
        if (gone) return;
        setDetail(d);
        useTopology.getState().load(toDoc(d.lab));
        useTopology.getState().setStatus(d.status);
        useTopology.getState().setChanges(d.changes);
        useDock.getState().load(d.id);
      })
      .catch((e: Error) => setLoadError(e.message));
    return () => {
      gone = true;
    };
  }, [labId]);

  useEffect(() => {
    if (!name) return;
    const socket = umlabSocket();
    const onPatch = (ev: LiveEvent) => useTopology.getState().applyPatch(ev);
    socket.on("lab:patch", onPatch);
    // Live events come only to the lab's room: join it (again after a
    // reconnect); the answer holds the state they follow from.
    let retry: ReturnType<typeof setTimeout> | null = null;
    let tries = 0;
    const subscribe = () =>
      socket.emit("lab:subscribe", { lab: labId }, (r) => {
        if (r.ok) {
          tries = 0;
          return useTopology.getState().setStatus(r.state);
        }
        // The room may be joined with no state read (the engine did not answer): events since the
        // page's last state would be missing for good, so the state is asked for again.
        trace({ what: "subscribe failed", error: r.error });
        if (retry) clearTimeout(retry);
        if (++tries <= RESUBSCRIBE_TRIES) retry = setTimeout(subscribe, RESUBSCRIBE_MS);
      });
    socket.on("connect", subscribe);
    socket.on("live:resync", subscribe);
    subscribe();
    return () => {
      socket.off("lab:patch", onPatch);
      socket.off("connect", subscribe);
      socket.off("live:resync", subscribe);
      if (retry) clearTimeout(retry);
      socket.emit("lab:unsubscribe", { lab: labId });
    };
  }, [name, labId]);

  useScenarioFeed(labId, name);

  // Autosave: every edit, a moment after the last one. Anything that acts on
  // the saved lab (Start, a node restart) saves first.
  const revision = t.revision;
  const saving = useRef<Promise<void>>(Promise.resolve());
  const savedRevision = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const flushSave = useCallback((): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const { revision: rev, doc } = useTopology.getState();
    if (!detail || !doc || rev === savedRevision.current) return saving.current;
    savedRevision.current = rev;
    saving.current = saving.current.then(() =>
      api
        .save(detail.id, toRaw(doc))
        .then((d) => {
          if (useTopology.getState().revision === rev) useTopology.getState().setSave("saved");
          useTopology.getState().setChanges(d.changes);
          useScenario.getState().saved(null);
        })
        .catch((e: Error) => {
          useTopology.getState().setSave("error", describe(e));
          useScenario.getState().saved(e);
        }),
    );
    return saving.current;
  }, [detail]);
  // The saved lab again (a rollback brought back an older definition): the canvas starts over from it.
  const reload = useCallback(async () => {
    const d = await api.get(labId);
    savedRevision.current = 0;
    setDetail(d);
    useTopology.getState().load(toDoc(d.lab));
    useTopology.getState().setStatus(d.status);
    useTopology.getState().setChanges(d.changes);
  }, [labId]);
  useEffect(() => {
    if (!revision || !detail) return;
    useTopology.getState().setSave("saving");
    timer.current = setTimeout(() => void flushSave(), SAVE_DELAY_MS);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [revision, detail, flushSave]);

  // Leaving the page with an edit not yet saved: send it anyway.
  useEffect(() => {
    const onHide = () => {
      const { revision: rev, doc } = useTopology.getState();
      if (!detail || !doc || rev === savedRevision.current) return;
      savedRevision.current = rev;
      void fetch(`/api/labs/${encodeURIComponent(detail.id)}`, { method: "PUT", keepalive: true, headers: { "content-type": "application/json" }, body: JSON.stringify({ lab: toRaw(doc) }) });
    };
    window.addEventListener("pagehide", onHide);
    return () => window.removeEventListener("pagehide", onHide);
  }, [detail]);

  // Undo / redo / delete, unless the keys are for a text field or a terminal.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (el.closest("input, textarea, select, .xterm")) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
        e.preventDefault();
        if (e.shiftKey) useTopology.getState().redo();
        else useTopology.getState().undo();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") {
        e.preventDefault();
        useTopology.getState().redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const act: Act = useCallback(async (label, fn, applies) => {
    setBusy(label);
    try {
      await flushSave();
      if (useTopology.getState().save.state === "error") throw new Error("the lab has unsaved changes that the server refused: fix them first");
      const answer = await fn();
      // A lab action answers with the lab's state at the revision it made: no need to ask again.
      if (isLabStatus(answer)) useTopology.getState().setStatus(answer);
      // What the saved edits still need, after an action that applied some.
      if (applies === "lab") useTopology.getState().setChanges([]);
      else if (applies) useTopology.getState().setChanges(useTopology.getState().changes.filter((c) => !(c.kind === "node" && c.name === applies.node && c.apply !== "restart-lab")));
    } catch (e) {
      useTopology.getState().say(describe(e as Error));
    } finally {
      setBusy(null);
    }
  }, [flushSave]);

  if (loadError)
    return (
      <main className="workspace-error">
        <p role="alert">{loadError}</p>
        <Link href="/">Back to labs</Link>
      </main>
    );
  if (!detail || !t.doc) return <main className="loading">Loading…</main>;

  const openConsole = (node: string) => useDock.getState().open(node);

  const allUp = t.running && Object.keys(t.doc.nodes).every((n) => ["running", "booting"].includes(t.nodes[n]?.state ?? ""));
  const nodeStates = Object.fromEntries(Object.entries(t.nodes).map(([k, v]) => [k, v.state]));
  return (
    <div className="workspace" data-lab={name}>
      <header className="toolbar">
        <Link href="/" className="home">
          umlab
        </Link>
        <h1>{name}</h1>
        <span className={`badge ${t.running ? "running" : "stopped"}`} data-testid="lab-state">
          {t.running ? "running" : "stopped"}
        </span>
        <button type="button" className="primary" disabled={!!busy || allUp} title={t.running && !allUp ? "Start the nodes that are not running" : ""} onClick={() => act("start", () => api.start(detail.id), "lab")}>
          Start
        </button>
        <button type="button" disabled={!!busy || !t.running} onClick={() => act("stop", () => api.stop(detail.id), "lab")}>
          Stop
        </button>
        <ScenarioButton labId={detail.id} busy={!!busy} act={act} />
        <ChecksButton labId={detail.id} />
        <button type="button" aria-pressed={snapshotsOpen} title="Snapshots of the lab's disks and topology: take, roll back, reset" onClick={() => setSnapshotsOpen((o) => !o)}>
          Snapshots
        </button>
        <button type="button" aria-pressed={sharesOpen} title="Links that show this lab read-only to anyone who has one, and let signed-in users fork it" onClick={() => setSharesOpen((o) => !o)}>
          Share
        </button>
        <span className="sep" />
        <button type="button" title="Undo (Ctrl+Z)" disabled={!t.past.length} onClick={t.undo}>
          Undo
        </button>
        <button type="button" title="Redo (Ctrl+Shift+Z)" disabled={!t.future.length} onClick={t.redo}>
          Redo
        </button>
        <span className={`save save-${t.save.state}`} data-testid="save-state" title={t.save.error ?? ""}>
          {t.save.state === "saved" ? "Saved" : t.save.state === "saving" ? "Saving…" : "Not saved"}
        </span>
        <span className="spacer" />
        {busy && <span className="busy">{busy}…</span>}
        <a href={api.exportUrl(detail.id)} download={`${name}.yaml`}>
          Export lab.yaml
        </a>
        <a href={api.archiveUrl(detail.id)} download={`${name}.umlab`} title="The whole lab with its nodes' disks, to import on another umlab that has the same images">
          Export with disks
        </a>
        <a href={api.archiveUrl(detail.id, true)} download={`${name}.umlab`} title="The whole lab with its nodes' disks and the images they boot (sparse), to import on any umlab">
          Export with disks and images
        </a>
        <button type="button" onClick={() => downloadSvg(api.diagramUrl(detail.id), name).catch((e: Error) => t.say(e.message))}>
          SVG
        </button>
        <button type="button" onClick={() => downloadPng(api.diagramUrl(detail.id), name).catch((e: Error) => t.say(e.message))}>
          PNG
        </button>
        <AccountMenu />
      </header>
      {t.save.state === "error" && (
        <div className="banner error" role="alert">
          Not saved: {t.save.error}
        </div>
      )}
      {t.running && t.failure && (
        <div className="banner error" role="alert" data-testid="lab-failure">
          This lab hit an unexpected error on the server ({t.failure}); the other labs are fine. Stop it and start it again.
        </div>
      )}
      {t.running && t.changes.length > 0 && <ChangesBanner changes={t.changes} act={act} labId={detail.id} />}
      {t.notice && (
        <div className="banner notice" role="status">
          {t.notice}
          <button type="button" className="link" onClick={() => t.say(null)}>
            dismiss
          </button>
        </div>
      )}
      <div className="main">
        <Palette />
        <div className="canvas" data-testid="canvas">
          <ReactFlowProvider>
            <Canvas onContext={setMenu} onOpenConsole={openConsole} />
          </ReactFlowProvider>
          <ScenarioLog />
          <ChecksPanel />
          {sharesOpen && <SharePanel labId={detail.id} act={act} busy={!!busy} onClose={() => setSharesOpen(false)} />}
          {snapshotsOpen && <SnapshotPanel labId={detail.id} act={act} busy={!!busy} onClose={() => setSnapshotsOpen(false)} reload={reload} />}
        </div>
        <CapturePanel labId={detail.id} act={act} />
        <AssignmentPane labId={detail.id} act={act} reload={reload} />
        <Inspector />
      </div>
      <Dock lab={detail.id} states={nodeStates} />
      {menu && <ContextMenu target={menu} items={menuItems(menu, { t, labId: detail.id, act, openConsole, impair: setImpairing })} onClose={() => setMenu(null)} />}
      {impairing && (
        <ImpairDialog
          title={`Impair ${impairing.title}`}
          current={t.links[impairing.wire]?.impair ?? null}
          onCancel={() => setImpairing(null)}
          onApply={(imp) => {
            const [node, iface] = impairing.wire.split(":");
            setImpairing(null);
            void act(`impairing ${impairing.wire}`, () => api.linkAction(detail.id, node, iface, { action: "impair", ...imp, bandwidthKbit: imp.bandwidthKbit ?? undefined }));
          }}
        />
      )}
    </div>
  );
}
function describe(e: Error): string {
  if (e instanceof ApiFailure && Array.isArray(e.problems) && e.problems.length)
    return (e.problems as { path?: unknown[]; message?: string }[]).map((p) => `${(p.path ?? []).join(".")}: ${p.message}`).join("; ");
  return e.message;
}
