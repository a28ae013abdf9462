"use client";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import type { LabSummary } from "@/server/api/lab-service";
import type { ClassDetail } from "@/server/api/class-service";
import { AccountMenu } from "../account/AccountMenu";
import { api } from "../client/api";
import { classes } from "../client/classes";
import { Handout } from "./Handout";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "");
/** A datetime-local field's value to ISO (the browser's time zone), or null when empty. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : null);

/** A class: for its students, the assignments to open and the teacher's messages; for its teacher, everything to run it. */
export function ClassPage({ classId }: { classId: string }) {
  const [c, setC] = useState<ClassDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => classes.get(classId).then(setC, (e: Error) => setError(e.message)), [classId]);
  useEffect(() => void load(), [load]);
  const run = (fn: () => Promise<unknown>) => {
    setError(null);
    fn()
      .then(load)
      .catch((e: Error) => setError(e.message));
  };
  if (!c)
    return (
      <main className="classes-page">
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : (
          "Loading…"
        )}
      </main>
    );
  const teacher = c.role === "teacher";
  return (
    <main className="classes-page" data-class={c.name}>
      <div className="labs-title">
        <h1>
          <Link href="/classes">Classes</Link> · {c.name}
        </h1>
        <AccountMenu />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {teacher ? <TeacherSide c={c} run={run} /> : <p className="muted">Teacher: {c.teacher}</p>}
      <section>
        <h2>Assignments</h2>
        {c.assignments.length === 0 && <p className="empty">{teacher ? "Nothing published yet: publish one of your labs above." : "Nothing to do yet."}</p>}
        <ul className="assignments">
          {c.assignments.map((a) => (
            <li key={a.id} data-assignment={a.title}>
              <header>
                <strong>{a.title}</strong>
                {!a.open && <span className="badge stopped">{a.opensAt && Date.parse(a.opensAt) > Date.now() ? `opens ${when(a.opensAt)}` : "closed"}</span>}
                {a.closesAt && a.open && <span className="muted">until {when(a.closesAt)}</span>}
                {teacher ? (
                  <>
                    <span className="muted">from lab {a.from}</span>
                    <Link className="button primary" href={`/classes/${c.id}/assignments/${a.id}`}>
                      Teacher console
                    </Link>
                    <button
                      type="button"
                      className="link danger"
                      onClick={() => window.confirm(`Remove "${a.title}"? Students keep their instances as labs of their own.`) && run(() => classes.unpublish(a.id))}
                    >
                      remove
                    </button>
                  </>
                ) : (
                  <button
                    type="button"
                    className="primary"
                    disabled={!a.open && !a.mine}
                    onClick={() => run(async () => window.location.assign(`/labs/${(await classes.open(a.id)).labId}`))}
                  >
                    {a.mine ? "Open my lab" : "Start working"}
                  </button>
                )}
              </header>
              {a.handout && !teacher && <Handout text={a.handout} />}
            </li>
          ))}
        </ul>
      </section>
      {c.messages.length > 0 && (
        <section>
          <h2>Messages</h2>
          <ul className="messages">
            {c.messages.map((m) => (
              <li key={m.at}>
                <span className="muted">{when(m.at)}</span> {m.text}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

function TeacherSide({ c, run }: { c: ClassDetail; run: (fn: () => Promise<unknown>) => void }) {
  const [labs, setLabs] = useState<LabSummary[]>([]);
  const [email, setEmail] = useState("");
  const [message, setMessage] = useState("");
  const [pub, setPub] = useState({ lab: "", title: "", handout: "", idle: "", opens: "", closes: "" });
  useEffect(() => void api.list().then(setLabs, () => setLabs([])), []);
  const link = typeof window === "undefined" ? "" : `${window.location.origin}/classes/join/${c.joinCode}`;
  return (
    <>
      <section className="join">
        Students join with the code <code data-testid="join-code">{c.joinCode}</code> or the link <input aria-label="Join link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      </section>
      <section>
        <h2>Publish a lab</h2>
        <form
          aria-label="publish"
          className="publish"
          onSubmit={(e) => {
            e.preventDefault();
            run(async () => {
              await classes.publish(c.id, {
                lab: pub.lab,
                ...(pub.title.trim() ? { title: pub.title.trim() } : {}),
                ...(pub.handout.trim() ? { handout: pub.handout } : {}),
                idleMinutes: pub.idle ? Number(pub.idle) : null,
                opensAt: isoOf(pub.opens),
                closesAt: isoOf(pub.closes),
              });
              setPub({ lab: "", title: "", handout: "", idle: "", opens: "", closes: "" });
            });
          }}
        >
          <select aria-label="Lab to publish" value={pub.lab} onChange={(e) => setPub({ ...pub, lab: e.target.value })}>
            <option value="">choose one of your labs…</option>
            {labs.map((l) => (
              <option key={l.id} value={l.name}>
                {l.name}
              </option>
            ))}
          </select>
          <input aria-label="Title" placeholder="title (the lab's name if empty)" value={pub.title} onChange={(e) => setPub({ ...pub, title: e.target.value })} />
          <textarea aria-label="Handout (Markdown)" placeholder="handout in Markdown, shown beside the canvas" rows={5} value={pub.handout} onChange={(e) => setPub({ ...pub, handout: e.target.value })} />
          <label>
            Stop idle instances after <input aria-label="Idle minutes" type="number" min={1} value={pub.idle} onChange={(e) => setPub({ ...pub, idle: e.target.value })} /> minutes
          </label>
          <label>
            Opens <input aria-label="Opens at" type="datetime-local" value={pub.opens} onChange={(e) => setPub({ ...pub, opens: e.target.value })} />
          </label>
          <label>
            Closes <input aria-label="Closes at" type="datetime-local" value={pub.closes} onChange={(e) => setPub({ ...pub, closes: e.target.value })} />
          </label>
          <button type="submit" className="primary" disabled={!pub.lab}>
            Publish
          </button>
        </form>
        <p className="muted">Students get the lab as it is now, disks included: each an own instance.</p>
      </section>
      <section>
        <h2>Students ({c.members?.length ?? 0})</h2>
        <ul className="members" data-testid="members">
          {c.members?.map((m) => (
            <li key={m.id}>
              {m.name} <span className="muted">{m.email}</span>{" "}
              <button type="button" className="link danger" onClick={() => window.confirm(`Remove ${m.name} from the class?`) && run(() => classes.removeMember(c.id, m.id))}>
                remove
              </button>
            </li>
          ))}
        </ul>
        <form
          aria-label="add student"
          onSubmit={(e) => {
            e.preventDefault();
            run(async () => {
              await classes.addMember(c.id, email.trim());
              setEmail("");
            });
          }}
        >
          <input aria-label="Student email" type="email" placeholder="a user's email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <button type="submit" disabled={!email.trim()}>
            Add
          </button>
        </form>
      </section>
      <section>
        <h2>Message the class</h2>
        <form
          aria-label="message"
          onSubmit={(e) => {
            e.preventDefault();
            run(async () => {
              await classes.message(c.id, message);
              setMessage("");
            });
          }}
        >
          <input aria-label="Message" placeholder="shown in every student's workspace" value={message} maxLength={1000} onChange={(e) => setMessage(e.target.value)} />
          <button type="submit" disabled={!message.trim()}>
            Send
          </button>
        </form>
      </section>
    </>
  );
}
