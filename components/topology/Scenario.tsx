"use client";
import { useEffect, useState } from "react";
import { create } from "zustand";
import type { LiveEvent } from "@/server/engine/live";
import type { ScenarioEvent, ScenarioState } from "@/server/engine/scenario-player";
import { api, ApiFailure } from "../client/api";
import { umlabSocket } from "../client/socket";
import { CodeEditor } from "./CodeEditor";
import { useTopology } from "./store";

/**
 * The lab's scenario in the workspace: Play / Stop in the toolbar, the last
 * play's event log filling live over socket.io, and the steps' editor in the
 * lab inspector (saved with the rest of the lab; the server checks them).
 * The engine plays it; its progress comes with the lab's live patches.
 */
interface ScenarioStore extends ScenarioState {
  /** The log panel is shown (from a play until it is closed). */
  open: boolean;
  /** The server's problems with the steps at the last save, by step index. */
  problems: Record<number, string>;
  set(s: ScenarioState, open?: boolean): void;
  add(e: ScenarioEvent): void;
  close(): void;
  /** From a save's answer: the error it failed with, or null when it was saved. */
  saved(e: unknown): void;
}

export const useScenario = create<ScenarioStore>()((set, get) => ({
  playing: false,
  startedAt: null,
  stopped: false,
  log: [],
  open: false,
  problems: {},
  // An answer that left before the latest event must not take that event away.
  set: (s, open) => set({ playing: s.playing, startedAt: s.startedAt, stopped: s.stopped, log: s.startedAt === get().startedAt && s.log.length < get().log.length ? get().log : s.log, open: open ?? get().open }),
  add: (e) => set({ log: [...get().log, e], open: true }),
  close: () => set({ open: false }),
  saved: (e) => {
    const list = e instanceof ApiFailure && Array.isArray(e.problems) ? (e.problems as { path?: unknown[]; message?: string }[]) : [];
    set({ problems: Object.fromEntries(list.filter((p) => p.path?.[0] === "scenario" && typeof p.path[1] === "number").map((p) => [p.path![1], p.message ?? ""])) });
  },
}));

/** Loads the last play and follows the lab's scenario events. */
export function useScenarioFeed(labId: string, name: string): void {
  useEffect(() => {
    if (!name) return;
    useScenario.setState({ playing: false, startedAt: null, stopped: false, log: [], open: false, problems: {} });
    const socket = umlabSocket();
    const refresh = () => void api.scenario(labId).then((v) => useScenario.getState().set(v, v.playing)).catch(() => {});
    const onPatch = (ev: LiveEvent) => {
      if (ev.lab !== labId) return;
      if (ev.patch.kind === "scenario-step") useScenario.getState().add(ev.patch.entry);
      else if (ev.patch.kind === "scenario") useScenario.getState().set(ev.patch.state, true);
    };
    refresh();
    socket.on("lab:patch", onPatch);
    socket.on("connect", refresh);
    socket.on("live:resync", refresh);
    return () => {
      socket.off("live:resync", refresh);
      socket.off("lab:patch", onPatch);
      socket.off("connect", refresh);
    };
  }, [labId, name]);
}

/** ▶ Play scenario / ■ Stop scenario, when the lab has one. */
export function ScenarioButton({ labId, busy, act }: { labId: string; busy: boolean; act: (label: string, fn: () => Promise<unknown>) => Promise<void> }) {
  const steps = useTopology((s) => s.doc?.scenario?.length ?? 0);
  const running = useTopology((s) => s.running);
  const playing = useScenario((s) => s.playing);
  if (!steps && !playing) return null;
  if (playing)
    return (
      <button type="button" disabled={busy} onClick={() => act("stopping the scenario", () => api.scenarioAction(labId, "stop").then((v) => useScenario.getState().set(v)))}>
        ■ Stop scenario
      </button>
    );
  return (
    <button
      type="button"
      disabled={busy || !running}
      title={running ? `Play the lab's ${steps} scenario steps from now` : "Start the lab to play its scenario"}
      onClick={() => act("playing the scenario", () => api.scenarioAction(labId, "play").then((v) => useScenario.getState().set(v, true)))}
    >
      ▶ Play scenario
    </button>
  );
}

const seconds = (ms: number) => `+${(ms / 1000).toFixed(1)}s`;

/** The last play's event log: when each step ran, and how it went. */
export function ScenarioLog() {
  const s = useScenario();
  const total = useTopology((t) => t.doc?.scenario?.length ?? 0);
  if (!s.open || !s.startedAt) return null;
  const failed = s.log.filter((e) => !e.ok).length;
  const status = s.playing ? `playing: ${Math.max(0, total - s.log.length)} to go` : s.stopped ? "stopped" : failed ? `done, ${failed} failed` : "done";
  return (
    <section className="scenario-log" aria-label="Scenario log" data-testid="scenario-log" data-playing={s.playing ? "true" : "false"}>
      <header>
        <strong>Scenario</strong>
        <span data-testid="scenario-status">{status}</span>
        <button type="button" className="link" onClick={s.close}>
          close
        </button>
      </header>
      <ol>
        {s.log.map((e, i) => (
          <li key={i} className={e.ok ? "ok" : "failed"} data-testid="scenario-entry" data-ok={e.ok ? "true" : "false"} title={`planned ${seconds(e.plannedMs)}, ran ${seconds(e.atMs)}`}>
            <span className="at">{seconds(e.atMs)}</span> <span className="what">{e.text}</span> <span className="result">{e.ok ? "ok" : `failed: ${e.error}`}</span>
          </li>
        ))}
      </ol>
      <small>since {new Date(s.startedAt).toLocaleTimeString()}</small>
    </section>
  );
}

const stepsOf = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

/** One step a line; blank lines are left out of the lab. Problems show under the line they are about. */
export function ScenarioField() {
  const steps = useTopology((s) => s.doc?.scenario);
  const edit = useTopology((s) => s.edit);
  const problems = useScenario((s) => s.problems);
  const joined = (steps ?? []).join("\n");
  const [text, setText] = useState(joined);
  // An undo, or a rename, changed the steps: show them.
  useEffect(() => setText((t) => (stepsOf(t).join("\n") === joined ? t : joined)), [joined]);
  const onChange = (v: string) => {
    setText(v);
    const next = stepsOf(v);
    if (next.join("\n") === joined) return;
    edit((d) => void (next.length ? (d.scenario = next) : delete d.scenario));
  };
  // Step i is the i-th line that is not blank.
  const lineOf = text.split("\n").flatMap((l, n) => (l.trim() ? [n + 1] : []));
  return (
    <div className="field scenario-field">
      <span>Scenario</span>
      <CodeEditor label="Scenario" value={text} onChange={onChange} />
      <small>
        One step a line, e.g. <code>at 10s pull node1.eth0</code>, <code>at 1.5s crash node2</code>, <code>at 500ms impair node1.eth0 loss=10% delay=50ms</code>; also plug, clear, start, stop,
        restart, pause / resume SWITCH.
      </small>
      {Object.entries(problems).map(([i, message]) => (
        <small key={i} className="error" role="alert">
          line {lineOf[Number(i)] ?? Number(i) + 1}: {message}
        </small>
      ))}
    </div>
  );
}
