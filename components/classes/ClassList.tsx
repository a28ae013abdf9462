"use client";
import Link from "next/link";
import { useState } from "react";
import type { ClassSummary } from "@/server/api/class-service";
import { AccountMenu } from "../account/AccountMenu";
import { classes } from "../client/classes";

/** The classes you teach and attend; teachers make one, anyone joins one with its code. */
export function ClassList({ initial, canTeach }: { initial: ClassSummary[]; canTeach: boolean }) {
  const [list, setList] = useState(initial);
  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const run = (fn: () => Promise<unknown>) => {
    setError(null);
    fn().catch((e: Error) => setError(e.message));
  };
  return (
    <main className="classes-page">
      <div className="labs-title">
        <h1>
          <Link href="/">umlab</Link> · Classes
        </h1>
        <AccountMenu />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        {canTeach && (
          <form
            aria-label="new class"
            onSubmit={(e) => {
              e.preventDefault();
              run(async () => {
                const c = await classes.create(name);
                window.location.assign(`/classes/${c.id}`);
              });
            }}
          >
            <input aria-label="Class name" placeholder="class name, e.g. Networks 101" value={name} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="primary" disabled={!name.trim()}>
              New class
            </button>
          </form>
        )}
        <form
          aria-label="join a class"
          onSubmit={(e) => {
            e.preventDefault();
            run(async () => {
              const c = await classes.join(code.trim().toUpperCase());
              window.location.assign(`/classes/${c.id}`);
            });
          }}
        >
          <input aria-label="Join code" placeholder="join code" value={code} maxLength={8} onChange={(e) => setCode(e.target.value)} />
          <button type="submit" disabled={code.trim().length !== 8}>
            Join
          </button>
        </form>
      </div>
      {list.length === 0 ? (
        <p className="empty">{canTeach ? "No classes yet: make one, publish a lab to it, and hand out its join link." : "No classes yet: join one with the code your teacher gave."}</p>
      ) : (
        <ul className="class-list">
          {list.map((c) => (
            <li key={c.id} data-class={c.name}>
              <Link href={`/classes/${c.id}`}>{c.name}</Link> <span className="muted">{c.role === "teacher" ? "you teach it" : `teacher: ${c.teacher}`}</span>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link" onClick={() => void classes.list().then(setList)}>
        refresh
      </button>
    </main>
  );
}
