"use client";
import { useState, type FormEvent } from "react";
import { account } from "../client/account";

/** First run: the admin account, made with the setup code the server printed. */
export function Setup() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const get = (k: string) => String(f.get(k) ?? "");
    setBusy(true);
    setError(null);
    try {
      await account.setup({ code: get("code"), name: get("name"), email: get("email"), password: get("password") });
      await account.signIn(get("email"), get("password"));
      window.location.assign("/");
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <main className="auth-page">
      <form className="auth-box" onSubmit={(e) => void submit(e)}>
        <h1>Set up umlab</h1>
        <p>
          Make the first account, the admin. The setup code is in the server&apos;s log (<code>npm start</code> printed it) and in the file{" "}
          <code>setup-code</code> of its data directory.
        </p>
        <label>
          Setup code
          <input name="code" required autoComplete="off" />
        </label>
        <label>
          Your name
          <input name="name" required autoComplete="name" />
        </label>
        <label>
          Email
          <input name="email" type="email" required autoComplete="username" />
        </label>
        <label>
          Password (8 characters or more)
          <input name="password" type="password" minLength={8} required autoComplete="new-password" />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>
          Create admin account
        </button>
      </form>
    </main>
  );
}
