import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Principal } from "../auth/permissions";
import { QuotaSettings } from "../auth/quotas";
import type { EngineApi, RunUsage } from "../engine/api";
import type { LabStatus } from "../engine/lab-run";
import { openDb } from "../store/db";
import { ClassStore } from "../store/class-store";
import { LabStore } from "../store/lab-store";
import { boardCsv, csvField } from "./class-csv";
import { ClassService } from "./class-service";
import { LabService } from "./lab-service";

const person = (id: string, role: Principal["role"]): Principal => ({ id, name: id, email: `${id}@umlab.test`, role, via: "session" });

/** An engine that keeps which labs are up and what was asked of it; no files, no guests. */
function fakeEngine() {
  const up = new Set<string>();
  const calls: string[] = [];
  const status = (id: string): LabStatus => ({ id, lab: id, rev: 1, running: up.has(id), nodes: [], switches: [], links: [], gateways: [], captures: [] });
  const engine = {
    running: (id: string) => Promise.resolve(up.has(id) ? ({} as never) : null),
    status: (id: string) => Promise.resolve(status(id)),
    usage: (ids: string[]) => Promise.resolve(Object.fromEntries(ids.map((id): [string, RunUsage] => [id, { up: up.has(id), nodes: up.has(id) ? 1 : 0, memoryMiB: 0 }]))),
    pruneNodeFiles: () => Promise.resolve([]),
    removeLabFiles: () => Promise.resolve(),
    imagesReady: () => Promise.resolve(),
    kernelsReady: () => Promise.resolve(),
    startLab: (id: string) => {
      up.add(id);
      calls.push(`start ${id}`);
      return Promise.resolve(status(id));
    },
    stopLab: (id: string) => {
      up.delete(id);
      calls.push(`stop ${id}`);
      return Promise.resolve(status(id));
    },
    takeShareSnapshot: (_id: string, _lab: unknown, name: string) => Promise.resolve({ id: `s-${name}`, name, node: null, createdAt: "", disks: [], diskBytes: 0, apparentBytes: 0, frozenMs: null }),
    removeShareSnapshot: (_id: string, snap: string) => {
      calls.push(`drop ${snap}`);
      return Promise.resolve();
    },
    copyShareDisks: (_from: string, _snap: string, to: string) => {
      calls.push(`copy into ${to}`);
      return Promise.resolve([]);
    },
  };
  return { engine: engine as unknown as EngineApi, up, calls };
}

describe("classes: join, publish, own instances, supervision, windows, idle stop (a fake engine)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-classes-"));
  const db = openDb(root);
  const { engine, up, calls } = fakeEngine();
  const labs = new LabService(new LabStore(db), engine, new QuotaSettings(db));
  const classes = new ClassService(labs, new ClassStore(db));
  const tom = person("tom", "teacher");
  const amy = person("amy", "student");
  const bob = person("bob", "student");
  const eve = person("eve", "student");
  after(async () => {
    await db.$disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it("only teachers make classes; students join with the code", async () => {
    for (const u of [tom, amy, bob, eve]) await db.user.create({ data: { id: u.id, name: u.name, email: u.email, role: u.role } });
    await assert.rejects(classes.create(amy, "mine"), { name: "ForbiddenError" });
    const c = await classes.create(tom, "Networks 101");
    assert.match(c.joinCode!, /^[A-HJKMNP-Z2-9]{8}$/);
    await assert.rejects(classes.join(amy, "WRONGCODE"), { name: "NotFoundError" });
    await classes.join(amy, c.joinCode!);
    const bobView = await classes.join(bob, c.joinCode!.toUpperCase());
    assert.equal(bobView.role, "student");
    assert.equal(bobView.joinCode, undefined, "students do not get the code or the member list");
    assert.deepEqual((await classes.get(tom, c.id)).members!.map((m) => m.email), ["amy@umlab.test", "bob@umlab.test"]);
    await assert.rejects(classes.get(eve, c.id), { name: "NotFoundError" }, "a class one is not in is answered as missing");
    assert.deepEqual((await classes.list(amy)).map((x) => [x.name, x.role, x.teacher]), [["Networks 101", "student", "tom"]]);
  });

  it("publishes a teacher's lab; each student opens an instance of their own that nobody else sees", async () => {
    const [c] = await classes.list(tom);
    await labs.importYaml(tom, "umlab: 1\nname: ring\nnodes:\n  r1: { eth: [s] }\nswitches:\n  s: {}\n");
    await assert.rejects(classes.publish(amy, c.id, { lab: "ring" }), { name: "ForbiddenError" });
    const a = await classes.publish(tom, c.id, { lab: "ring", title: "OSPF ring", handout: "# Fix the ring", idleMinutes: 30 });
    const mine = await classes.open(amy, a.id);
    assert.equal(mine.lab, "ring-amy");
    assert.ok(calls.includes(`copy into ${mine.labId}`), "the instance gets the published disks");
    assert.deepEqual(await classes.open(amy, a.id), { ...mine, created: false }, "opening again finds the same instance");
    const bobs = await classes.open(bob, a.id);
    await assert.rejects(classes.open(eve, a.id), { name: "NotFoundError" }, "not in the class");
    // Instances are their students' own: the other student gets 404 for it, the teacher supervises it.
    await assert.rejects(labs.mine(bob, mine.labId), { name: "NotFoundError" });
    assert.equal((await labs.mine(tom, mine.labId)).owner, "amy");
    assert.equal(await classes.policy.supervises(tom, bobs.labId), true);
    assert.equal(await classes.policy.supervises(amy, bobs.labId), false);
    const ctx = await classes.context(amy, mine.labId);
    assert.equal(ctx?.assignment.handout, "# Fix the ring");
    assert.equal(ctx?.supervised, false);
    assert.equal((await classes.context(tom, mine.labId))?.supervised, true);
    // The published lab holds the class's state: it cannot be deleted while published.
    await assert.rejects(labs.remove(tom, "ring"), /published to a class/);
    const board = await classes.board(tom, a.id);
    assert.deepEqual(board.rows.map((r) => [r.student.name, r.instance?.lab]), [["amy", "ring-amy"], ["bob", "ring-bob"]]);
    await assert.rejects(classes.board(amy, a.id), { name: "NotFoundError" });
  });

  it("resets an instance to the published state (a student their own, the teacher anyone's), and stops them all", async () => {
    const [c] = await classes.list(tom);
    const [a] = (await classes.get(tom, c.id)).assignments;
    const amys = await classes.open(amy, a.id);
    await labs.start(amy, amys.labId);
    calls.length = 0;
    assert.deepEqual((await classes.reset(amy, a.id, {})).reset, ["ring-amy"]);
    assert.deepEqual(calls, [`stop ${amys.labId}`, `copy into ${amys.labId}`, `start ${amys.labId}`], "what ran runs again, over fresh disks");
    await assert.rejects(classes.reset(amy, a.id, { student: "bob@umlab.test" }), { name: "NotFoundError" });
    await assert.rejects(classes.reset(amy, a.id, { all: true }), { name: "ForbiddenError" });
    assert.deepEqual((await classes.reset(tom, a.id, { student: "bob@umlab.test" })).reset, ["ring-bob"]);
    assert.deepEqual((await classes.stopAll(tom, a.id)).stopped, ["ring-amy"]);
  });

  it("keeps students inside an exam window, and stops instances idle too long", async () => {
    const [c] = await classes.list(tom);
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const exam = await classes.publish(tom, c.id, { lab: "ring", title: "exam", opensAt: soon });
    await assert.rejects(classes.open(amy, exam.id), /opens at/);
    const teachers = await classes.open(tom, exam.id);
    assert.equal(teachers.created, true, "the teacher may try it before it opens");
    const [practice] = (await classes.get(tom, c.id)).assignments;
    const amys = await classes.open(amy, practice.id);
    await labs.start(amy, amys.labId);
    assert.deepEqual(await classes.policy.sweep(new Date(Date.now() + 10 * 60_000)), [], "10 minutes idle: within 30");
    assert.deepEqual(await classes.policy.sweep(new Date(Date.now() + 31 * 60_000)), [amys.labId]);
    assert.equal(up.has(amys.labId), false);
  });

  it("writes the board as CSV a spreadsheet cannot run", () => {
    assert.equal(csvField("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    assert.equal(csvField('say "hi", bye'), '"say ""hi"", bye"');
    const csv = boardCsv({
      className: "c",
      assignment: {} as never,
      rows: [
        { student: { id: "1", name: "Amy", email: "a@x" }, instance: { labId: "l", lab: "ring-amy", running: true, nodesUp: 4, nodes: 4, lastActivity: "" }, report: { points: 2, maxPoints: 3, ranAt: "t", results: [{ id: "ping", passed: true }, { id: "route", passed: false }] } },
        { student: { id: "2", name: "Bob", email: "b@x" }, instance: null, report: null },
      ],
    });
    assert.equal(csv, "student,email,lab,running,ping,route,points,max points,checked at\nAmy,a@x,ring-amy,yes,pass,fail,2,3,t\nBob,b@x,,,,,,,\n");
  });
});
