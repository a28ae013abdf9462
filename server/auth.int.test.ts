import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { io } from "socket.io-client";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { SOCKET_PATH } from "./realtime/protocol";
import { authed, connect } from "./test-support";

const ROOT = join(import.meta.dirname, "..");

const labYaml = (name: string) => `umlab: 1
name: ${name}
nodes:
  n1:
    mem: 32M
    eth: [sw1]
switches:
  sw1: {}
`;

/** The trust boundary from outside, as a browser page, a script and a second student would meet it. */
describe("trust boundary: accounts, ownership, browser attacks, quotas (real server, real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  const cookies: Record<string, string> = {};
  const home = mkdtempSync(join(tmpdir(), "umlab-cli-home-"));

  /** A request as a signed-in browser page of this site would send it. */
  const as = (user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: { cookie: cookies[user], origin: url, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const signIn = async (email: string, password: string) => {
    const res = await fetch(`${url}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ email, password }) });
    assert.equal(res.status, 200, await res.clone().text());
    return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  };
  const cli = (args: string[], env: Record<string, string>, input?: string) =>
    spawnSync(process.execPath, [join(ROOT, "bin", "umlab.mjs"), ...args], { cwd: ROOT, encoding: "utf8", input, timeout: 120_000, env: { ...process.env, UMLAB_URL: url, UMLAB_TOKEN: "", XDG_CONFIG_HOME: home, ...env } });

  before(async () => {
    server = await startLabServer({ samples: false, name: "trust" });
    url = server.url;
    const code = readFileSync(join(server.data, "setup-code"), "utf8").trim();
    const made = await fetch(`${url}/api/setup`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ code, name: "Ada", email: "ada@umlab.test", password: "admin password" }) });
    assert.equal(made.status, 201);
    cookies.ada = await signIn("ada@umlab.test", "admin password");
    for (const u of ["sam", "kim"]) {
      const res = await as("ada", "POST", "/api/admin/users", { name: u, email: `${u}@umlab.test`, password: `${u} password`, role: "student" });
      assert.equal(res.status, 201, await res.clone().text());
      cookies[u] = await signIn(`${u}@umlab.test`, `${u} password`);
    }
  });

  after(async () => {
    rmSync(home, { recursive: true, force: true });
    await server?.stop();
  });

  it("answers 401 on every route without a session or token, and the setup code works once", async () => {
    const routes: [string, string][] = [
      ["GET", "/api/labs"], ["POST", "/api/labs"], ["GET", "/api/labs/x"], ["PUT", "/api/labs/x"], ["DELETE", "/api/labs/x"],
      ["POST", "/api/labs/x/start"], ["POST", "/api/labs/x/stop"], ["GET", "/api/labs/x/status"], ["GET", "/api/labs/x/export"],
      ["GET", "/api/labs/x/diagram.svg"], ["POST", "/api/labs/x/duplicate"], ["POST", "/api/labs/x/nodes/n1/exec"], ["POST", "/api/labs/x/nodes/n1/mconsole"],
      ["POST", "/api/labs/x/switches/sw1/pause"], ["POST", "/api/labs/x/links/n1/eth0"], ["GET", "/api/labs/x/scenario"], ["POST", "/api/labs/x/scenario/play"],
      ["POST", "/api/labs/import/kathara"], ["GET", "/api/images"], ["POST", "/api/images"], ["DELETE", "/api/images/x"], ["POST", "/api/images/router/build"], ["GET", "/api/kernels"], ["POST", "/api/kernels/build"],
      ["DELETE", "/api/kernels/k1"], ["GET", "/api/health"], ["GET", "/api/me"], ["GET", "/api/tokens"], ["POST", "/api/tokens"], ["DELETE", "/api/tokens/t1"],
      ["GET", "/api/admin/users"], ["POST", "/api/admin/users"], ["PATCH", "/api/admin/users/u1"], ["GET", "/api/admin/quotas"], ["PUT", "/api/admin/quotas"],
    ];
    for (const [method, path] of routes) {
      const res = await fetch(`${url}${path}`, { method, headers: { origin: url, ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }) }, body: method === "GET" || method === "DELETE" ? undefined : "{}" });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
    assert.equal((await fetch(`${url}/api/setup`)).status, 200);
    assert.deepEqual(await (await fetch(`${url}/api/setup`)).json(), { needed: false });
    const again = await fetch(`${url}/api/setup`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ code: "x", name: "Eve", email: "eve@umlab.test", password: "eve password" }) });
    assert.equal(again.status, 409);
  });

  it("shows a student only their own labs; another's answers 404 by name and by id", async () => {
    const res = await as("sam", "POST", "/api/labs", { yaml: labYaml("samlab") });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    assert.deepEqual(((await (await as("sam", "GET", "/api/labs")).json()) as { name: string }[]).map((l) => l.name), ["samlab"]);
    assert.deepEqual(await (await as("kim", "GET", "/api/labs")).json(), []);
    for (const ref of ["samlab", id]) {
      for (const [method, path] of [["GET", ""], ["GET", "/status"], ["POST", "/start"], ["DELETE", ""], ["GET", "/export"], ["POST", "/nodes/n1/exec"]] as const) {
        const r = await as("kim", method, `/api/labs/${ref}${path}`, method === "POST" ? { argv: ["true"] } : undefined);
        assert.equal(r.status, 404, `${method} ${ref}${path}`);
        assert.equal(((await r.json()) as { error: string }).error, `no lab "${ref}"`);
      }
    }
    // An admin sees every lab.
    assert.ok(((await (await as("ada", "GET", "/api/labs")).json()) as { name: string }[]).some((l) => l.name === "samlab"));
    // A student cannot make themselves admin through better-auth's own routes.
    await as("sam", "POST", "/api/auth/update-user", { role: "admin", name: "Sam" });
    assert.equal(((await (await as("sam", "GET", "/api/me")).json()) as { role: string }).role, "student");
    assert.notEqual((await as("sam", "POST", "/api/auth/admin/set-role", { userId: "x", role: "admin" })).status, 200);
    // A student cannot use the admin routes or build images.
    assert.equal((await as("sam", "GET", "/api/admin/users")).status, 403);
    assert.equal((await as("sam", "POST", "/api/images/router/build")).status, 403);
  });

  it("refuses another site's page: text/plain or foreign Origin 403 and nothing is made; a foreign Host 403", async () => {
    const yaml = labYaml("evillab");
    let res = await fetch(`${url}/api/labs`, { method: "POST", headers: { "content-type": "text/plain", origin: "http://evil.example", cookie: cookies.sam }, body: `umlab: 1\n${yaml.slice(yaml.indexOf("name"))}` });
    assert.equal(res.status, 403);
    res = await as("sam", "POST", "/api/labs", { yaml }, { origin: "http://evil.example", "sec-fetch-site": "cross-site" });
    assert.equal(res.status, 403);
    res = await as("sam", "POST", "/api/labs", yaml, { "content-type": "text/plain" });
    assert.equal(res.status, 403);
    res = await fetch(`${url}/api/labs/samlab/start`, { method: "POST", headers: { cookie: cookies.sam } });
    assert.equal(res.status, 403, "a cookie without this site's Origin changes nothing");
    assert.equal((await authed(`${url}/api/labs/evillab`)).status, 404);
    const port = new URL(url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const r = httpRequest({ host: "127.0.0.1", port, path: "/api/labs", headers: { host: `rebound.example:${port}`, cookie: cookies.sam } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on("error", reject);
      r.end();
    });
    assert.equal(status, 403);
  });

  it("answers 413 to a 20 MB lab body", async () => {
    const big = `umlab: 1\nname: big\ndescription: "${"x".repeat(20 * 1024 * 1024)}"\n`;
    const res = await as("sam", "POST", "/api/labs", big, { "content-type": "application/yaml" });
    assert.equal(res.status, 413);
  });

  it("refuses a socket.io handshake from another Origin or nobody, and keeps one student's lab events and console from another", async () => {
    const refused = async (headers: Record<string, string>) => {
      const s = io(url, { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, reconnection: false, extraHeaders: headers });
      try {
        return await new Promise<boolean>((resolve) => {
          s.once("connect", () => resolve(false));
          s.once("connect_error", () => resolve(true));
        });
      } finally {
        s.close();
      }
    };
    assert.equal(await refused({ origin: "http://evil.example", cookie: cookies.sam }), true, "foreign Origin");
    assert.equal(await refused({ origin: url }), true, "nobody signed in");
    assert.equal(await refused({ origin: url, cookie: cookies.sam }), false, "the student's own page");

    const sam = io(url, { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, extraHeaders: { origin: url, cookie: cookies.sam } });
    const kim = io(url, { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, extraHeaders: { origin: url, cookie: cookies.kim } });
    const kimSaw: string[] = [];
    for (const ev of ["lab:patch", "console:data", "scenario:event"] as const) kim.on(ev, () => kimSaw.push(ev));
    const samSaw: string[] = [];
    sam.on("lab:patch", (e) => e.patch.kind === "node" && samSaw.push(e.patch.node.state));
    try {
      const ok = await new Promise<{ ok: boolean }>((r) => sam.emit("lab:subscribe", { lab: "samlab" }, r));
      assert.equal(ok.ok, true);
      const no = await new Promise<{ ok: boolean; error?: string }>((r) => kim.emit("lab:subscribe", { lab: "samlab" }, r));
      assert.deepEqual(no, { ok: false, error: 'no lab "samlab"' });
      assert.equal((await as("sam", "POST", "/api/labs/samlab/start")).status, 200);
      const up = Date.now();
      while (!samSaw.includes("running") && Date.now() - up < 60_000) await new Promise((r) => setTimeout(r, 100));
      assert.ok(samSaw.includes("running"), "the owner sees the node come up");
      const attach = await new Promise<{ ok: boolean; error?: string }>((r) => kim.emit("console:attach", { lab: "samlab", node: "n1" }, r));
      assert.deepEqual(attach, { ok: false, error: 'no lab "samlab"' });
      kim.emit("console:input", { lab: "samlab", node: "n1", data: "touch /tmp/pwned\n" });
      await new Promise((r) => setTimeout(r, 1500));
      const probe = await as("sam", "POST", "/api/labs/samlab/nodes/n1/exec", { argv: ["test", "-e", "/tmp/pwned"] });
      assert.equal(((await probe.json()) as { exitCode: number }).exitCode, 1, "kim's keystrokes never reached sam's console");
      assert.deepEqual(kimSaw, [], "kim got none of sam's events");
    } finally {
      sam.close();
      kim.close();
    }
  });

  it("refuses a start beyond a quota with its reason and starts nothing", async () => {
    assert.equal((await as("sam", "PUT", "/api/admin/quotas", { runningLabs: 1, runningNodes: 5, memoryMiB: 4096 })).status, 403);
    assert.equal((await as("ada", "PUT", "/api/admin/quotas", { runningLabs: 1, runningNodes: 5, memoryMiB: 4096 })).status, 200);
    assert.equal((await as("sam", "POST", "/api/labs", { yaml: labYaml("samlab2") })).status, 201);
    const res = await as("sam", "POST", "/api/labs/samlab2/start");
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /quota: at most 1 running lab per user \(you have 1 running\)/);
    const status = (await (await as("sam", "GET", "/api/labs/samlab2/status")).json()) as { running: boolean; nodes: { state: string }[] };
    assert.equal(status.running, false);
    assert.deepEqual(status.nodes.map((n) => n.state), ["stopped"]);
    assert.equal((await as("sam", "POST", "/api/labs/samlab/stop")).status, 200);
  });

  it("lets the CLI on the server's machine in by the token file, and a student in by `umlab login` with a personal token", async () => {
    const local = cli(["ls"], { UMLAB_DATA: server!.data });
    assert.equal(local.status, 0, local.stderr);
    assert.match(local.stdout, /samlab2/);
    const nobody = cli(["ls"], { UMLAB_DATA: join(home, "nowhere") });
    assert.equal(nobody.status, 1);
    assert.match(nobody.stderr, /umlab login/);
    const noConsole = cli(["console", "samlab", "n1"], { UMLAB_DATA: join(home, "nowhere") });
    assert.equal(noConsole.status, 1);
    assert.match(noConsole.stderr, /does not know you: `umlab login/);
    const made = await as("sam", "POST", "/api/tokens", { name: "laptop" });
    assert.equal(made.status, 201);
    const { token } = (await made.json()) as { token: string };
    const login = cli(["login", url, "--token", token], { UMLAB_DATA: join(home, "nowhere") });
    assert.equal(login.status, 0, login.stderr);
    assert.match(login.stdout, /as sam \(student\)/);
    const mine = cli(["ls"], { UMLAB_DATA: join(home, "nowhere") });
    assert.equal(mine.status, 0, mine.stderr);
    assert.match(mine.stdout, /samlab/);
    // Kim signs in with email and password; the CLI keeps a token, never the password.
    const kimHome = mkdtempSync(join(tmpdir(), "umlab-cli-kim-"));
    try {
      const asKim = { UMLAB_DATA: join(home, "nowhere"), XDG_CONFIG_HOME: kimHome };
      assert.equal(cli(["login", url], asKim, "kim@umlab.test\nwrong password\n").status, 1);
      const r = cli(["login", url], asKim, "kim@umlab.test\nkim password\n");
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /as kim \(student\)/);
      assert.doesNotMatch(readFileSync(join(kimHome, "umlab", "credentials.json"), "utf8"), /kim password/);
      const kims = cli(["ls"], asKim);
      assert.equal(kims.status, 0, kims.stderr);
      assert.doesNotMatch(kims.stdout, /samlab/);
    } finally {
      rmSync(kimHome, { recursive: true, force: true });
    }
    // Sam's token is Sam: a socket with it is Sam's.
    const s = connect(url, token);
    try {
      const r = await new Promise<{ ok: boolean }>((resolve) => s.emit("lab:subscribe", { lab: "samlab" }, resolve));
      assert.equal(r.ok, true);
    } finally {
      s.close();
    }
  });
});
