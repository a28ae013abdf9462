"use client";
import { account } from "../client/account";
import { useFormAction } from "./use-form-action";

/** The sign-in form; on success, back to where the person was going. */
export function SignIn({ next }: { next: string }) {
  const { error, busy, onSubmit } = useFormAction(async (field) => {
    await account.signIn(field("email"), field("password"));
    // Only a path on this site: a link must not send someone elsewhere after signing in.
    window.location.assign(next.startsWith("/") && !next.startsWith("//") ? next : "/");
  });
  return (
    <main className="auth-page">
      <form className="auth-box" onSubmit={onSubmit}>
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
