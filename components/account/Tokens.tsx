"use client";
import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import type { TokenView } from "@/server/auth/accounts";
import { account } from "../client/account";
import { AccountMenu } from "./AccountMenu";

/** Personal API tokens for scripts and the CLI (`umlab login URL --token ...`). */
export function Tokens() {
  const [tokens, setTokens] = useState<TokenView[]>([]);
  const [fresh, setFresh] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => void account.tokens().then(setTokens, (e: Error) => setError(e.message));
  useEffect(load, []);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    try {
      const t = await account.createToken(String(new FormData(form).get("name")));
      setFresh(t.token);
      form.reset();
      load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main className="labs-page admin-page">
      <header className="toolbar">
        <Link href="/">← Labs</Link>
        <h1>API tokens</h1>
        <AccountMenu />
      </header>
      <p>
        A token acts as you, for scripts (<code>Authorization: Bearer TOKEN</code>) and the CLI (<code>umlab login URL --token TOKEN</code>). It is shown
        once, when made.
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      {fresh && (
        <p className="token-value" data-testid="new-token">
          {fresh}
        </p>
      )}
      <form className="inline" onSubmit={(e) => void create(e)}>
        <label>
          Name
          <input name="name" required maxLength={60} placeholder="laptop CLI" />
        </label>
        <button type="submit" className="primary">
          New token
        </button>
      </form>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Starts with</th>
            <th>Made</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>
                <code>{t.start}…</code>
              </td>
              <td>{new Date(t.createdAt).toLocaleString()}</td>
              <td>{t.lastUsed ? new Date(t.lastUsed).toLocaleString() : "never"}</td>
              <td>
                <button type="button" className="danger" onClick={() => void account.revokeToken(t.id).then(load, (e: Error) => setError(e.message))}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
