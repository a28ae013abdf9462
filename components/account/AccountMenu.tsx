"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { account, type Me } from "../client/account";

/** Who is signed in, with their role, and the way to tokens, the admin page and out. */
export function AccountMenu() {
  const [me, setMe] = useState<Me | null>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    account.me().then(setMe, () => setMe(null));
  }, []);
  if (!me) return null;
  const signOut = async () => {
    await account.signOut().catch(() => {});
    window.location.assign("/login");
  };
  return (
    <div className="account-menu">
      <button type="button" aria-haspopup="menu" aria-expanded={open} data-testid="account-menu" onClick={() => setOpen(!open)}>
        {me.name} <span className="role">{me.role}</span>
      </button>
      {open && (
        <div className="account-items" role="menu">
          <div className="account-email">{me.email}</div>
          <Link role="menuitem" href="/account">
            API tokens
          </Link>
          {me.admin && (
            <Link role="menuitem" href="/admin">
              Admin
            </Link>
          )}
          <button type="button" role="menuitem" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
