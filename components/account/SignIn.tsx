"use client";
import { useState, type FormEvent } from "react";
import { account } from "../client/account";

/** The sign-in form; on success, back to where the person was going. */
export function SignIn({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await account.signIn(String(f.get("email")), String(f.get("password")));
      // Only a path on this site: a link must not send someone elsewhere after signing in.
      window.location.assign(next.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <main className="auth-page">
      <form className="auth-box" onSubmit={(e) => void submit(e)}>
        <h1>umlab</h1>
        <p>Sign in to your labs.</p>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
