"use client";
import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import type { UserView } from "@/server/auth/accounts";
import type { Quotas } from "@/server/auth/quotas";
import { account } from "../client/account";
import { AccountMenu } from "./AccountMenu";

const ROLES = ["admin", "teacher", "student"];

/** Users (list, create, roles) and the quota defaults: what an admin runs the class with. */
export function AdminPanel() {
  const [users, setUsers] = useState<UserView[]>([]);
  const [quotas, setQuotas] = useState<Quotas | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const load = () => {
    account.users().then(setUsers, (e: Error) => setError(e.message));
    account.quotas().then(setQuotas, (e: Error) => setError(e.message));
  };
  useEffect(load, []);
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setSaved(null);
    try {
      await fn();
      setSaved(done);
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const addUser = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    void act(async () => {
      await account.createUser({ name: String(f.get("name")), email: String(f.get("email")), password: String(f.get("password")), role: String(f.get("role")) });
      form.reset();
    }, "user created");
  };
  const saveQuotas = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const n = (k: string) => Number(f.get(k));
    void act(() => account.setQuotas({ runningLabs: n("runningLabs"), runningNodes: n("runningNodes"), memoryMiB: n("memoryMiB") }), "quotas saved");
  };
  return (
    <main className="labs-page admin-page">
      <header className="toolbar">
        <Link href="/">← Labs</Link>
        <h1>Admin</h1>
        <AccountMenu />
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      {saved && <p role="status">{saved}</p>}
      <h2>Users</h2>
      <table data-testid="users">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>
                <select aria-label={`role of ${u.email}`} value={u.role} onChange={(e) => void act(() => account.setRole(u.id, e.target.value), `${u.email} is now ${e.target.value}`)}>
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{new Date(u.createdAt).toLocaleDateString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>New user</h3>
      <form className="inline" onSubmit={addUser} aria-label="new user">
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Email
          <input name="email" type="email" required />
        </label>
        <label>
          Password
          <input name="password" type="password" minLength={8} required />
        </label>
        <label>
          Role
          <select name="role" defaultValue="student">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          Create user
        </button>
      </form>
      <h2>Quotas</h2>
      <p>What each user may run at once (admins are not limited). A start beyond one is refused and names it.</p>
      {quotas && (
        <form className="inline" onSubmit={saveQuotas} aria-label="quotas" key={JSON.stringify(quotas)}>
          <label>
            Running labs
            <input name="runningLabs" type="number" min={0} defaultValue={quotas.runningLabs} />
          </label>
          <label>
            Running nodes
            <input name="runningNodes" type="number" min={0} defaultValue={quotas.runningNodes} />
          </label>
          <label>
            Guest memory (MiB)
            <input name="memoryMiB" type="number" min={0} defaultValue={quotas.memoryMiB} />
          </label>
          <button type="submit" className="primary">
            Save quotas
          </button>
        </form>
      )}
    </main>
  );
}
