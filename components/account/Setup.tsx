"use client";
import { account } from "../client/account";
import { useFormAction } from "./use-form-action";

/** First run: the admin account, made with the setup code the server printed. */
export function Setup() {
  const { error, busy, onSubmit } = useFormAction(async (field) => {
    await account.setup({ code: field("code"), name: field("name"), email: field("email"), password: field("password") });
    await account.signIn(field("email"), field("password"));
    window.location.assign("/");
  });
  return (
    <main className="auth-page">
      <form className="auth-box" onSubmit={onSubmit}>
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
