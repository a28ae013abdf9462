import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { ShareView } from "./api/share-service";
import type { LabStatus } from "./engine/lab-run";
import type { ShareInfo } from "./model/share";
import { expectJson, signInPeople, umlab, until, type People } from "./test-support";

const LAB = `umlab: 1
name: sharelab
nodes:
  pc1:
    mem: 48M
    eth: [sw1]
    pos: [100, 200]
switches:
  sw1: {}
checks:
  - id: note
    description: pc1 keeps a note
    file: { node: pc1, path: /root/note, pattern: "." }
`;

/** Share links between people on one server: a teacher shares, students look and fork, the teacher revokes. */
describe("share links: view read-only, fork with disks, revoke (real server, real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  let as: People["as"] = () => Promise.reject(new Error("not signed in yet"));
  const ok = <T>(res: Response, status = 200) => expectJson<T>(res, status);
  const sh = async (user: string, lab: string, script: string) => (await ok<{ stdout: string }>(await as(user, "POST", `/api/labs/${lab}/nodes/pc1/exec`, { script }))).stdout.trim();
  const up = (user: string, lab: string) =>
    until(`${lab} running`, 120_000, async () => {
      const s = (await (await as(user, "GET", `/api/labs/${lab}/status`)).json()) as LabStatus;
      return s.nodes.every((n) => n.state === "running") && s;
    });
  const share = (user: string, body: unknown) => as(user, "POST", "/api/labs/sharelab/shares", body).then((r) => ok<ShareInfo>(r, 201));
  const token = (s: ShareInfo) => s.path.split("/").pop()!;
  const shareDir = () => {
    const labs = join(server!.data, "labs");
    const dir = readdirSync(labs).map((d) => join(labs, d, "shares")).find((d) => existsSync(d));
    return dir ? readdirSync(dir).filter((f) => !f.startsWith(".")) : [];
  };
  let asShared: ShareInfo;
  let live: ShareInfo;
  let viewOnly: ShareInfo;

  before(async () => {
    server = await startLabServer({ samples: false, name: "shares" });
    url = server.url;
    ({ as } = await signInPeople(server, [["tom", "teacher"], ["sam", "student"], ["kim", "student"]]));
    await ok(await as("tom", "POST", "/api/labs", LAB), 201);
    await ok(await as("tom", "POST", "/api/labs/sharelab/start"));
    await up("tom", "sharelab");
  });

  after(() => server?.stop());

  it("makes links of a running lab: one with the disks as they are, one live, one view only", async () => {
    await sh("tom", "sharelab", "echo as-shared > /root/note");
    asShared = await share("tom", { disks: "snapshot", expiresIn: "7d" });
    assert.match(asShared.path, /^\/share\/[A-Za-z0-9_-]{32}$/);
    assert.ok(asShared.expiresAt && Date.parse(asShared.expiresAt) > Date.now() + 6 * 24 * 3600_000);
    assert.equal(shareDir().length, 1, "the link keeps its own copy of the disks");
    assert.equal(await sh("tom", "sharelab", "cat /root/note"), "as-shared", "the guest goes on after the freeze");
    await sh("tom", "sharelab", "echo changed-later > /root/note; sync");
    live = await share("tom", { disks: "live" });
    viewOnly = await share("tom", { fork: false });
    const { shares } = await ok<{ shares: ShareInfo[] }>(await as("tom", "GET", "/api/labs/sharelab/shares"));
    assert.deepEqual(shares.map((s) => s.id), [asShared.id, live.id, viewOnly.id]);
    assert.equal(shareDir().length, 1, "only the link that forks the disks as shared keeps a copy");
    // Bad requests are refused with their reason.
    const bad = await as("tom", "POST", "/api/labs/sharelab/shares", { expiresIn: "forever" });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /duration/);
  });

  it("shows the lab read-only to anyone with the link, and nothing else", async () => {
    const view = await ok<ShareView>(await as(null, "GET", `/api/share/${token(asShared)}`));
    assert.equal(view.lab, "sharelab");
    assert.equal(view.owner, "tom");
    assert.deepEqual(Object.keys(view.definition.nodes ?? {}), ["pc1"]);
    assert.equal(view.status.running, true);
    assert.equal(view.status.nodes[0].state, "running");
    assert.equal(view.status.nodes[0].pid, null, "no host details");
    // Its checks, and once they ran, their results.
    assert.deepEqual(view.checks.checks.map((c) => c.id), ["note"]);
    assert.equal(view.checks.last, null);
    await ok(await as("tom", "POST", "/api/labs/sharelab/checks/run", {}));
    const checked = await ok<ShareView>(await as(null, "GET", `/api/share/${token(asShared)}`));
    assert.equal(checked.checks.last?.results[0].passed, true);
    // The link is no key to the lab itself: another user can neither see nor touch it.
    assert.equal((await as("sam", "GET", "/api/labs/sharelab")).status, 404);
    assert.equal((await as("sam", "POST", "/api/labs/sharelab/nodes/pc1/exec", { script: "id" })).status, 404);
    assert.equal((await as("sam", "GET", "/api/labs/sharelab/shares")).status, 404);
    assert.equal((await as("sam", "DELETE", `/api/labs/sharelab/shares/${asShared.id}`)).status, 404);
    // Nobody forks without signing in; a made-up token finds nothing.
    assert.equal((await as(null, "POST", `/api/share/${token(asShared)}/fork`, {})).status, 401);
    assert.equal((await as(null, "GET", `/api/share/${"x".repeat(32)}`)).status, 404);
    assert.equal((await as(null, "GET", "/api/share/..%2F..%2Fetc")).status, 404);
    const refused = await as("sam", "POST", `/api/share/${token(viewOnly)}/fork`, {});
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /view only/);
  });

  it("forks with the disks as they were when shared, or as they are now, and the forks run beside the original", async () => {
    const samFork = await ok<{ name: string; disks: string[] }>(await as("sam", "POST", `/api/share/${token(asShared)}/fork`, {}), 201);
    assert.equal(samFork.name, "sharelab-sam");
    assert.deepEqual(samFork.disks, ["pc1"]);
    const kimFork = await ok<{ name: string }>(await as("kim", "POST", `/api/share/${token(live)}/fork`, { name: "kims-copy" }), 201);
    assert.equal(kimFork.name, "kims-copy");
    // The fork is sam's: kim cannot see it, sam can start it.
    assert.equal((await as("kim", "GET", "/api/labs/sharelab-sam")).status, 404);
    await ok(await as("sam", "POST", "/api/labs/sharelab-sam/start"));
    await ok(await as("kim", "POST", "/api/labs/kims-copy/start"));
    await up("sam", "sharelab-sam");
    await up("kim", "kims-copy");
    assert.equal(await sh("sam", "sharelab-sam", "cat /root/note"), "as-shared");
    assert.equal(await sh("kim", "kims-copy", "cat /root/note"), "changed-later");
    assert.equal(await sh("tom", "sharelab", "cat /root/note"), "changed-later", "the original runs on, untouched");
    const { shares } = await ok<{ shares: ShareInfo[] }>(await as("tom", "GET", "/api/labs/sharelab/shares"));
    assert.deepEqual(shares.map((s) => s.forks), [1, 1, 0]);
    await ok(await as("sam", "POST", "/api/labs/sharelab-sam/stop"));
    await ok(await as("kim", "POST", "/api/labs/kims-copy/stop"));
  });

  it("revokes a link: it opens nothing for anyone, its disks are freed, and forks made from it stay", async () => {
    const revoked = await ok<ShareInfo>(await as("tom", "DELETE", `/api/labs/sharelab/shares/${asShared.id}`));
    assert.equal(revoked.id, asShared.id);
    for (const [who, method, path] of [
      [null, "GET", `/api/share/${token(asShared)}`],
      ["kim", "POST", `/api/share/${token(asShared)}/fork`],
    ] as const) {
      const res = await as(who, method, path, method === "POST" ? {} : undefined);
      assert.equal(res.status, 404);
      assert.match(await res.text(), /revoked/);
    }
    assert.equal(shareDir().length, 0, "the link's copy of the disks is gone");
    assert.equal((await as("sam", "GET", "/api/labs/sharelab-sam")).status, 200, "sam's fork is sam's");
    assert.equal((await as(null, "GET", `/api/share/${token(live)}`)).status, 200, "the other links still work");
  });

  it("shares, shows, forks and revokes from the CLI", async () => {
    let r = umlab(url, ["share", "sharelab", "--expires", "12h"]);
    assert.equal(r.status, 0, r.stderr);
    const link = r.stdout.trim();
    assert.match(link, new RegExp(`^${url}/share/[A-Za-z0-9_-]{32}$`));
    assert.match(r.stderr, /forks get the disks as they are now; expires: 20\d\d-/);
    r = umlab(url, ["shared", link]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /lab sharelab, shared by tom/);
    assert.match(r.stdout, /pc1\s+running/);
    r = umlab(url, ["fork", link, "cli-fork"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /forked lab sharelab as cli-fork, with the disks of pc1/);
    r = umlab(url, ["share", "sharelab", "ls"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /view only/);
    r = umlab(url, ["share", "sharelab", "revoke", link]);
    assert.equal(r.status, 0, r.stderr);
    r = umlab(url, ["fork", link]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /revoked, or it never existed/);
    r = umlab(url, ["share", "sharelab", "--expires", "3y"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /duration/);
  });

  it("deleting the lab ends its links", async () => {
    await ok(await as("tom", "POST", "/api/labs/sharelab/stop"));
    await ok(await as("tom", "DELETE", "/api/labs/sharelab"));
    assert.equal((await as(null, "GET", `/api/share/${token(live)}`)).status, 404);
    assert.equal((await as("sam", "POST", `/api/share/${token(live)}/fork`, {})).status, 404);
  });
});
