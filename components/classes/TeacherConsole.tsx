"use client";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Board } from "@/server/api/class-service";
import type { LabStatus } from "@/server/engine/lab-run";
import { LiveFollower } from "@/server/engine/live";
import { AccountMenu } from "../account/AccountMenu";
import { classes } from "../client/classes";
import { umlabSocket } from "../client/socket";
import { ConsoleViewer } from "./ConsoleViewer";

type Report = { points?: number; maxPoints?: number; ranAt?: string; results?: { id: string; passed: boolean; reason?: string; points?: number }[] } | null;

const ago = (iso: string) => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : new Date(iso).toLocaleString();
};

/**
 * The teacher's console for one assignment: every student of the class on
 * one page, live. Each instance's node states come over the socket (its lab
 * room, which a class's teacher may join); a board change (an instance made,
 * checks run) makes the page read the board again. From a row: the student's
 * terminals read-only, or a reset; for everyone: reset, stop, CSV.
 */
export function TeacherConsole({ classId, assignmentId }: { classId: string; assignmentId: string }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [states, setStates] = useState<Record<string, LabStatus>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [viewing, setViewing] = useState<{ labId: string; lab: string; student: string } | null>(null);
  const followers = useRef(new Map<string, LiveFollower>());

  const load = useCallback(() => classes.board(assignmentId).then(setBoard, (e: Error) => setError(e.message)), [assignmentId]);
  useEffect(() => void load(), [load]);

  // Board changes (an instance opened, a report): read it again, at most every 300 ms.
  useEffect(() => {
    const socket = umlabSocket();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onChanged = (ev: { assignmentId: string | null; classId: string }) => {
      if (ev.classId !== classId) return;
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 300);
    };
    socket.on("class:changed", onChanged);
    return () => {
      socket.off("class:changed", onChanged);
      if (timer) clearTimeout(timer);
    };
  }, [classId, load]);

  // Each instance's live state, by its lab's id.
  const labIds = useMemo(() => (board?.rows ?? []).flatMap((r) => (r.instance ? [r.instance.labId] : [])), [board]);
  useEffect(() => {
    const socket = umlabSocket();
    const show = (id: string) => {
      const st = followers.current.get(id)?.state;
      if (st) setStates((s) => ({ ...s, [id]: st }));
    };
    const subscribe = () => {
      for (const id of labIds) {
        // Before the request: an event that overtakes the answer is kept for it.
        if (!followers.current.has(id)) followers.current.set(id, new LiveFollower());
        socket.emit("lab:subscribe", { lab: id }, (r) => {
          if (r.ok && followers.current.get(id)!.take(r.state)) show(id);
        });
      }
    };
    const onPatch = (ev: { lab: string; rev: number; patch: unknown }) => {
      const f = followers.current.get(ev.lab);
      if (f?.apply(ev as Parameters<LiveFollower["apply"]>[0])) show(ev.lab);
    };
    socket.on("lab:patch", onPatch);
    socket.on("connect", subscribe);
    socket.on("live:resync", subscribe);
    subscribe();
    return () => {
      socket.off("lab:patch", onPatch);
      socket.off("connect", subscribe);
      socket.off("live:resync", subscribe);
      for (const id of labIds) socket.emit("lab:unsubscribe", { lab: id });
    };
  }, [labIds]);

  const act = (label: string, fn: () => Promise<unknown>) => {
    setBusy(label);
    setError(null);
    fn()
      .then(load)
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(null));
  };

  if (!board)
    return <main className="classes-page">{error ? <p className="error" role="alert">{error}</p> : "Loading…"}</main>;

  const reports = board.rows.map((r) => r.report as Report);
  const checkIds = [...new Set(reports.flatMap((r) => r?.results?.map((x) => x.id) ?? []))];
  const a = board.assignment;
  return (
    <main className="classes-page teacher-console" data-assignment={a.title}>
      <div className="labs-title">
        <h1>
          <Link href={`/classes/${classId}`}>{board.className}</Link> · {a.title}
        </h1>
        <AccountMenu />
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!!busy} onClick={() => act("running every student's checks", () => classes.checkAll(a.id))}>
          Run checks
        </button>
        <button type="button" disabled={!!busy} onClick={() => window.confirm("Reset every student's instance to the published state? Their changes are lost.") && act("resetting all", () => classes.reset(a.id, { all: true }))}>
          Reset all
        </button>
        <button type="button" disabled={!!busy} onClick={() => act("stopping all", () => classes.stopAll(a.id))}>
          Stop all
        </button>
        <a className="button" href={classes.csvUrl(a.id)} download="results.csv">
          Download CSV
        </a>
        {busy && <span className="busy">{busy}…</span>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="board" data-testid="board">
        <thead>
          <tr>
            <th>Student</th>
            <th>Lab</th>
            <th>Nodes</th>
            {checkIds.map((id) => (
              <th key={id} className="check">
                {id}
              </th>
            ))}
            <th>Points</th>
            <th>Last activity</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {board.rows.map((row, i) => {
            const inst = row.instance;
            const live = inst ? states[inst.labId] : undefined;
            const up = live ? live.nodes.filter((n) => n.state === "running").length : (inst?.nodesUp ?? 0);
            const total = inst?.nodes ?? 0;
            const running = live ? live.running : !!inst?.running;
            const report = reports[i];
            const verdicts = new Map(report?.results?.map((x) => [x.id, x]) ?? []);
            return (
              <tr key={row.student.id} data-student={row.student.email} data-state={inst ? (running ? "running" : "stopped") : "none"}>
                <td>
                  {row.student.name} <span className="muted">{row.student.email}</span>
                </td>
                <td>{inst?.lab ?? <span className="muted">not opened</span>}</td>
                <td data-testid="nodes">{inst ? (running ? `${up}/${total} running` : "stopped") : ""}</td>
                {checkIds.map((id) => {
                  const v = verdicts.get(id);
                  return (
                    <td key={id} className={`check ${v ? (v.passed ? "pass" : "fail") : ""}`} data-check={id} data-passed={v ? String(v.passed) : ""} title={v?.reason ?? ""}>
                      {v ? (v.passed ? "✓" : "✗") : ""}
                    </td>
                  );
                })}
                <td data-testid="points">{report?.points !== undefined ? `${report.points}/${report.maxPoints}` : ""}</td>
                <td>{inst ? ago(inst.lastActivity) : ""}</td>
                <td>
                  {inst && (
                    <>
                      <button type="button" onClick={() => setViewing({ labId: inst.labId, lab: inst.lab, student: row.student.name })}>
                        Terminals
                      </button>
                      <button
                        type="button"
                        disabled={!!busy}
                        onClick={() => window.confirm(`Reset ${row.student.name}'s instance to the published state?`) && act(`resetting ${row.student.name}`, () => classes.reset(a.id, { student: row.student.id }))}
                      >
                        Reset
                      </button>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {board.rows.length === 0 && <p className="empty">No students yet: hand out the class's join code.</p>}
      {viewing && (
        <ConsoleViewer
          labId={viewing.labId}
          lab={viewing.lab}
          student={viewing.student}
          nodes={(states[viewing.labId]?.nodes ?? []).map((n) => n.name)}
          onClose={() => setViewing(null)}
        />
      )}
    </main>
  );
}
