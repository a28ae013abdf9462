import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openDb, type Db } from "../store/db";
import { Accounts, authFiles } from "./accounts";
import { LOCAL } from "./permissions";

describe("accounts (better-auth on the real database)", () => {
  let root = "";
  let db: Db;
  let accounts: Accounts;
  const admin = { name: "Ada", email: "ada@example.test", password: "long enough pw" };

  before(() => {
    root = mkdtempSync(join(tmpdir(), "umlab-accounts-"));
    db = openDb(root);
    accounts = new Accounts(db, root, { baseURL: "http://localhost:3000", trustedOrigins: ["http://localhost:3000"], secure: false });
  });
  after(async () => {
    await db.$disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  const signIn = async (email: string, password: string) => {
    const res = await accounts.auth.api.signInEmail({ body: { email, password }, asResponse: true });
    assert.equal(res.status, 200);
    return new Headers({ cookie: res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
  };

  it("keeps its secrets in 0600 files and makes the first admin only with the setup code", async () => {
    const code = await accounts.setupCode();
    assert.ok(code && code.length >= 12);
    for (const f of [authFiles(root).setupCode, authFiles(root).cliToken, authFiles(root).secret]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    await assert.rejects(accounts.completeSetup("wrong", admin), { name: "ForbiddenError" });
    assert.equal(await accounts.hasUsers(), false);
    const made = await accounts.completeSetup(` ${code} `, admin);
    assert.equal(made.role, "admin");
    assert.equal(await accounts.setupCode(), null, "the code is gone once used");
    await assert.rejects(accounts.completeSetup(code!, { ...admin, email: "eve@example.test" }), { name: "ConflictError" });
  });

  it("knows a session cookie, a personal token and this machine's CLI token, and nobody else", async () => {
    const cookie = await signIn(admin.email, admin.password);
    const bySession = await accounts.whoIs(cookie);
    assert.equal(bySession?.email, admin.email);
    assert.equal(bySession?.role, "admin");
    assert.equal(bySession?.via, "session");
    await assert.rejects(accounts.auth.api.signInEmail({ body: { email: admin.email, password: "not the password" } }));

    const t = await accounts.createToken(bySession!, "laptop");
    assert.match(t.token, /^umlab_/);
    const byToken = await accounts.whoIs(new Headers({ authorization: `Bearer ${t.token}` }));
    assert.equal(byToken?.id, bySession!.id);
    assert.equal(byToken?.via, "token");
    assert.deepEqual((await accounts.listTokens(bySession!)).map((k) => k.name), ["laptop"]);
    await accounts.revokeToken(bySession!, t.id);
    assert.equal(await accounts.whoIs(new Headers({ authorization: `Bearer ${t.token}` })), null);

    const local = readFileSync(authFiles(root).cliToken, "utf8").trim();
    assert.deepEqual(await accounts.whoIs(new Headers({ authorization: `Bearer ${local}` })), LOCAL);
    assert.equal(await accounts.whoIs(new Headers({ authorization: "Bearer nope" })), null);
    assert.equal(await accounts.whoIs(new Headers({ cookie: "better-auth.session_token=forged" })), null);
    assert.equal(await accounts.whoIs(new Headers()), null);
  });

  it("lets an admin make users with a role and change it, never the last admin's", async () => {
    const s = await accounts.createUser({ name: "Sam", email: "sam@example.test", password: "student pw 1", role: "student" });
    assert.equal(s.role, "student");
    await assert.rejects(accounts.createUser({ name: "Sam", email: "SAM@example.test", password: "student pw 1", role: "student" }), /exists already/);
    assert.equal((await accounts.whoIs(await signIn("sam@example.test", "student pw 1")))?.role, "student");
    assert.equal((await accounts.setRole(s.id, "teacher")).role, "teacher");
    const ada = (await accounts.listUsers()).find((u) => u.email === admin.email)!;
    await assert.rejects(accounts.setRole(ada.id, "student"), /last admin/);
    // Sign-up is closed: accounts come from an admin.
    await assert.rejects(accounts.auth.api.signUpEmail({ body: { name: "Eve", email: "eve@example.test", password: "eve's password" } }));
  });
});
