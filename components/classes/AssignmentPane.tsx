"use client";
import { useEffect, useState } from "react";
import type { AssignmentView } from "@/server/api/class-service";
import { classes } from "../client/classes";
import { umlabSocket } from "../client/socket";
import type { Act } from "../topology/menu-items";
import { Handout } from "./Handout";

type Context = { assignment: AssignmentView; className: string; messages: { text: string; at: string }[]; supervised: boolean };

/**
 * Beside the canvas of a student's instance: the assignment's handout, the
 * class's messages (live), "Reset to the start", and a notice while the
 * teacher types in one of its consoles. Nothing for any other lab.
 */
export function AssignmentPane({ labId, act, reload }: { labId: string; act: Act; reload: () => Promise<void> }) {
  const [ctx, setCtx] = useState<Context | null>(null);
  const [open, setOpen] = useState(true);
  const [control, setControl] = useState<string | null>(null);
  const [fresh, setFresh] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    classes.context(labId).then(
      (c) => !gone && setCtx(c.assignment ? (c as Context) : null),
      () => setCtx(null),
    );
    return () => {
      gone = true;
    };
  }, [labId]);

  useEffect(() => {
    if (!ctx) return;
    const socket = umlabSocket();
    const onMessage = (m: { classId: string; text: string; at: string }) => {
      if (m.classId !== ctx.assignment.classId) return;
      setCtx((c) => (c ? { ...c, messages: [{ text: m.text, at: m.at }, ...c.messages] } : c));
      setFresh(m.text);
    };
    const onControl = (ev: { lab: string; node: string; by: string }) => {
      if (ev.lab === labId && !ctx.supervised) setControl(`${ev.by} is typing in ${ev.node}'s terminal`);
    };
    socket.on("class:message", onMessage);
    socket.on("lab:control", onControl);
    return () => {
      socket.off("class:message", onMessage);
      socket.off("lab:control", onControl);
    };
  }, [ctx, labId]);

  if (!ctx) return null;
  const a = ctx.assignment;
  const reset = () => {
    if (!window.confirm("Reset your lab to the start? Everything you changed in it is lost.")) return;
    void act("resetting to the start", async () => {
      await classes.reset(a.id, {});
      await reload();
    });
  };
  return (
    <>
      {(control || fresh) && (
        <div className="class-banners">
          {control && (
            <div className="banner control" role="alert" data-testid="control-notice">
              {control}
              <button type="button" className="link" onClick={() => setControl(null)}>
                dismiss
              </button>
            </div>
          )}
          {fresh && (
            <div className="banner notice" role="status" data-testid="class-message">
              Message from {ctx.className}: {fresh}
              <button type="button" className="link" onClick={() => setFresh(null)}>
                dismiss
              </button>
            </div>
          )}
        </div>
      )}
      <aside className={`assignment-pane ${open ? "" : "closed"}`} aria-label="Assignment" data-testid="assignment-pane">
        <header>
          <button type="button" className="link" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            {open ? "›" : "‹"}
          </button>
          {open && (
            <strong>
              {a.title} <span className="muted">· {ctx.className}</span>
            </strong>
          )}
        </header>
        {open && (
          <>
            {a.closesAt && <p className="muted">Closes {new Date(a.closesAt).toLocaleString()}</p>}
            {a.handout ? <Handout text={a.handout} /> : <p className="muted">No handout.</p>}
            {!ctx.supervised && (
              <button type="button" className="danger" onClick={reset}>
                Reset to the start
              </button>
            )}
            {ctx.messages.length > 0 && (
              <ul className="messages">
                {ctx.messages.slice(0, 5).map((m) => (
                  <li key={m.at}>
                    <span className="muted">{new Date(m.at).toLocaleTimeString()}</span> {m.text}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </aside>
    </>
  );
}
