import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, mock } from "node:test";
import type { Principal } from "../auth/permissions";
import { QuotaSettings } from "../auth/quotas";
import type { EngineApi } from "../engine/api";
import type { LabStatus } from "../engine/lab-run";
import { parseDuration, shareRequestSchema } from "../model/share";
import { openDb } from "../store/db";
import { LabStore } from "../store/lab-store";
import { ShareStore } from "../store/share-store";
import { LabService } from "./lab-service";
import { ShareService } from "./share-service";

const user = (id: string, name = id): Principal => ({ id, name, email: `${id}@umlab.test`, role: "student", via: "session" });

/** The engine as the share service uses it: records what it was asked, keeps no files. */
function fakeEngine() {
  const calls: string[] = [];
  const status = (id: string): LabStatus => ({ id, lab: id, rev: 1, running: true, nodes: [{ name: "pc1", state: "running", pid: 4242, reason: "console: secret" }], switches: [], links: [], gateways: [], captures: [], failure: "boom" });
  const engine = {
    running: () => Promise.resolve(null),
    status: (id: string) => Promise.resolve(status(id)),
    usage: () => Promise.resolve({}),
    pruneNodeFiles: () => Promise.resolve([]),
    removeLabFiles: (id: string) => {
      calls.push(`rm ${id}`);
      return Promise.resolve();
    },
    takeShareSnapshot: (id: string, _lab: unknown, name: string) => {
      calls.push(`take ${name}`);
      return Promise.resolve({ id: `s${name.slice(6)}`, name, node: null, createdAt: "", disks: ["pc1"], diskBytes: 0, apparentBytes: 0, frozenMs: null });
    },
    removeShareSnapshot: (_id: string, snap: string) => {
      calls.push(`drop ${snap}`);
      return Promise.resolve();
    },
    copyShareDisks: (_from: string, snap: string, to: string) => {
      calls.push(`copy ${snap} ${to}`);
      return Promise.resolve(["pc1"]);
    },
    copyLabDisks: (_from: string, to: string) => {
      calls.push(`copy live ${to}`);
      return Promise.resolve(["pc1"]);
    },
  };
  return { engine: engine as unknown as EngineApi, calls };
}

describe("share links (service and store, a fake engine)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-shares-"));
  const db = openDb(root);
  const { engine, calls } = fakeEngine();
  const labs = new LabService(new LabStore(db), engine, new QuotaSettings(db));
  const shares = new ShareService(labs, new ShareStore(db), (id) => Promise.resolve(`name of ${id}`));
  const tom = user("tom");
  const sam = user("sam", "Sam O'Neil");
  const req = (r: unknown) => shareRequestSchema.parse(r);
  after(async () => {
    await db.$disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it("reads durations: minutes to weeks, at most a year", () => {
    assert.equal(parseDuration("30m"), 30 * 60_000);
    assert.equal(parseDuration("7d"), 7 * 24 * 3600_000);
    assert.equal(parseDuration("52w"), 52 * 7 * 24 * 3600_000);
    for (const bad of ["0d", "3y", "-1d", "1.5h", "d", "99999d", ""]) assert.equal(parseDuration(bad), null, bad);
    assert.throws(() => req({ expiresIn: "forever" }), /duration/);
    assert.throws(() => req({ disks: "all" }));
    assert.deepEqual(req({}), { disks: "snapshot", fork: true });
  });

  it("keeps a copy of the disks for a snapshot link and none for a live one; the view hides host details", async () => {
    await labs.importYaml(tom, "umlab: 1\nname: net\nnodes:\n  pc1: { eth: [s] }\nswitches:\n  s: {}\n");
    const snap = await shares.create(tom, "net", req({}));
    assert.ok(calls.some((c) => c.startsWith("take share-")));
    const live = await shares.create(tom, "net", req({ disks: "live" }));
    assert.equal(calls.filter((c) => c.startsWith("take")).length, 1);
    const view = await shares.view(live.token);
    assert.equal(view.owner, "name of tom");
    assert.deepEqual(view.status.nodes, [{ name: "pc1", state: "running", pid: null, reason: null }]);
    assert.equal(view.status.failure, null);
    // The lab changes after the link was made: a snapshot link shows (and forks) the lab as it was.
    await labs.updateYaml(tom, "net", "umlab: 1\nname: net\nnodes:\n  pc1: { eth: [s] }\n  pc2: { eth: [s] }\nswitches:\n  s: {}\n");
    assert.deepEqual(Object.keys((await shares.view(snap.token)).definition.nodes ?? {}), ["pc1"]);
    assert.deepEqual(Object.keys((await shares.view(live.token)).definition.nodes ?? {}), ["pc1", "pc2"]);
    const fork = await shares.fork(sam, snap.token);
    assert.equal(fork.name, "net-sam-o-neil", "named after the lab and the person, in the names' alphabet");
    assert.equal((await labs.store.get(fork.name)).owner, "sam");
    assert.deepEqual((await labs.store.get(fork.name)).lab.nodes.map((n) => n.name), ["pc1"]);
    const kept = calls.find((c) => c.startsWith("take share-"))!.replace("take share-", "s");
    assert.ok(calls.includes(`copy ${kept} ${fork.id}`), "the fork gets the disks the link kept");
    const again = await shares.fork(sam, live.token);
    assert.equal(again.name, "net-sam-o-neil-2", "a free name when the first is taken");
    assert.deepEqual(again.lab.nodes && Object.keys(again.lab.nodes), ["pc1", "pc2"]);
    assert.ok(calls.includes(`copy live ${again.id}`));
    await assert.rejects(shares.fork(sam, live.token, "Bad Name"), /not a valid name/);
    await assert.rejects(shares.fork(sam, live.token, "net"), /already exists/);
  });

  it("expires a link at its time, and a revoked one is gone for good", async () => {
    const t0 = Date.now();
    mock.timers.enable({ apis: ["Date"], now: t0 });
    try {
      const link = await shares.create(tom, "net", req({ expiresIn: "1h", disks: "live" }));
      assert.equal((await shares.view(link.token)).lab, "net");
      mock.timers.tick(3600_000 + 1);
      await assert.rejects(shares.view(link.token), (e: Error) => e.name === "GoneError" && /expired at/.test(e.message));
      await assert.rejects(shares.fork(sam, link.token), { name: "GoneError" });
      assert.equal((await shares.list(tom, "net")).shares.find((s) => s.id === link.id)?.expired, true);
    } finally {
      mock.timers.reset();
    }
    const { shares: all } = await shares.list(tom, "net");
    const snap = all.find((s) => s.disks === "snapshot")!;
    await assert.rejects(shares.revoke(sam, "net", snap.id), /no lab "net"/, "only the lab's owner revokes");
    await shares.revoke(tom, "net", snap.token);
    assert.ok(calls.some((c) => c.startsWith("drop s")), "its copy of the disks is freed");
    await assert.rejects(shares.view(snap.token), { name: "NotFoundError" });
    await assert.rejects(shares.view("not a token"), /revoked, or it never existed/);
  });

  it("refuses view-only forks, and deleting the lab deletes its links", async () => {
    const link = await shares.create(tom, "net", req({ fork: false, disks: "live" }));
    await assert.rejects(shares.fork(sam, link.token), { name: "ForbiddenError" });
    await labs.remove(tom, "net");
    await assert.rejects(shares.view(link.token), { name: "NotFoundError" });
  });
});
