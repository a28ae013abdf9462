"use client";
import { useEffect, useState } from "react";
import type { TokenView, UserView } from "@/server/auth/accounts";
import type { Quotas } from "@/server/auth/quotas";
import { ApiFailure } from "./api";

export type Me = { id: string; name: string; email: string; role: "admin" | "teacher" | "student"; via: string; admin: boolean; privileges: string[] };

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: body === undefined ? undefined : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as { error?: string; message?: string; problems?: unknown }) : undefined;
  if (!res.ok) throw new ApiFailure(data?.error ?? data?.message ?? `${method} ${path}: HTTP ${res.status}`, res.status, data?.problems);
  return data as T;
}

/** Accounts over HTTP: better-auth's own sign-in and sign-out, umlab's setup, tokens and admin routes. */
export const account = {
  me: () => call<Me>("GET", "/api/me"),
  setupNeeded: () => call<{ needed: boolean }>("GET", "/api/setup").then((r) => r.needed),
  setup: (b: { code: string; name: string; email: string; password: string }) => call<{ user: UserView }>("POST", "/api/setup", b),
  signIn: (email: string, password: string) => call<unknown>("POST", "/api/auth/sign-in/email", { email, password }),
  signOut: () => call<unknown>("POST", "/api/auth/sign-out", {}),
  tokens: () => call<{ tokens: TokenView[] }>("GET", "/api/tokens").then((r) => r.tokens),
  createToken: (name: string) => call<TokenView & { token: string }>("POST", "/api/tokens", { name }),
  revokeToken: (id: string) => call<unknown>("DELETE", `/api/tokens/${encodeURIComponent(id)}`),
  users: () => call<{ users: UserView[] }>("GET", "/api/admin/users").then((r) => r.users),
  createUser: (u: { name: string; email: string; password: string; role: string }) => call<{ user: UserView }>("POST", "/api/admin/users", u),
  setRole: (id: string, role: string) => call<{ user: UserView }>("PATCH", `/api/admin/users/${encodeURIComponent(id)}`, { role }),
  quotas: () => call<{ quotas: Quotas }>("GET", "/api/admin/quotas").then((r) => r.quotas),
  setQuotas: (q: Quotas) => call<{ quotas: Quotas }>("PUT", "/api/admin/quotas", q).then((r) => r.quotas),
};

let asked: Promise<Me | null> | null = null;

/** Who is signed in (asked once per page): for showing only the controls they may use. */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    asked ??= account.me().catch(() => null);
    void asked.then(setMe);
  }, []);
  return me;
}
