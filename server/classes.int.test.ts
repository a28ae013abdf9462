import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io, type Socket } from "socket.io-client";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { AssignmentView, Board, ClassDetail } from "./api/class-service";
import type { LabStatus } from "./engine/lab-run";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "./realtime/protocol";
import { doorTicket, expectJson, openDoor, signInPeople, umlab, until, type People } from "./test-support";

const LAB = `umlab: 1
name: ring
nodes:
  pc1:
    mem: 48M
    eth: [sw1]
switches:
  sw1: {}
`;

type Sock = Socket<ServerToClient, ClientToServer>;

/** A class as its teacher and two students meet it: own instances, supervision, isolation, reset, messages. */
describe("classes: a teacher, two students, own instances of a published lab (real server, real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  const cookies: Record<string, string> = {};
  const sockets: Sock[] = [];
  let as: People["as"] = () => Promise.reject(new Error("not signed in yet"));
  const ok = <T>(res: Response, status = 200) => expectJson<T>(res, status);
  const socketOf = (user: string): Sock => {
    const s: Sock = io(url, { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, extraHeaders: { origin: url, cookie: cookies[user] } });
    sockets.push(s);
    return s;
  };
  const sh = async (user: string, lab: string, script: string) => (await ok<{ stdout: string; exitCode: number }>(await as(user, "POST", `/api/labs/${lab}/nodes/pc1/exec`, { script }))).stdout.trim();
  const up = (user: string, lab: string) =>
    until(`${lab} running`, 120_000, async () => {
      const s = (await (await as(user, "GET", `/api/labs/${lab}/status`)).json()) as LabStatus;
      return s.nodes.every((n) => n.state === "running") && s;
    });
  let cls: ClassDetail;
  let assignment: AssignmentView;
  const inst: Record<string, { labId: string; lab: string }> = {};

  before(async () => {
    server = await startLabServer({ samples: false, name: "classes" });
    url = server.url;
    const people = await signInPeople(server, [["tom", "teacher"], ["amy", "student"], ["bob", "student"], ["eve", "student"]]);
    as = people.as;
    Object.assign(cookies, people.cookies);
  });

  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
  });

  it("a teacher makes a class and publishes a running lab with its disks; students join and open own instances", async () => {
    assert.equal((await as("amy", "POST", "/api/classes", { name: "nope" })).status, 403, "students make no classes");
    cls = await ok<ClassDetail>(await as("tom", "POST", "/api/classes", { name: "Networks 101" }), 201);
    await ok(await as("tom", "POST", "/api/labs", LAB), 201);
    await ok(await as("tom", "POST", "/api/labs/ring/start"));
    await up("tom", "ring");
    await sh("tom", "ring", "echo published > /root/note; sync");
    assignment = await ok<AssignmentView>(await as("tom", "POST", `/api/classes/${cls.id}/assignments`, { lab: "ring", title: "Ring", handout: "# Do it", idleMinutes: 60 }), 201);
    await sh("tom", "ring", "echo teacher-later > /root/note");
    for (const u of ["amy", "bob"]) {
      await ok(await as(u, "POST", "/api/classes/join", { code: cls.joinCode }));
      inst[u] = await ok(await as(u, "POST", `/api/assignments/${assignment.id}/open`));
      await ok(await as(u, "POST", `/api/labs/${inst[u].labId}/start`));
    }
    assert.notEqual(inst.amy.labId, inst.bob.labId);
    await up("amy", inst.amy.labId);
    await up("bob", inst.bob.labId);
    assert.equal(await sh("amy", inst.amy.labId, "cat /root/note"), "published", "the instance has the disks as published");
    const ctx = await ok<{ assignment: AssignmentView }>(await as("amy", "GET", `/api/labs/${inst.amy.labId}/assignment`));
    assert.equal(ctx.assignment.handout, "# Do it");
    assert.equal((await as("tom", "DELETE", "/api/labs/ring")).status, 409, "a published lab is kept");
  });

  it("keeps each student's instance from the other: by URL, by API and by socket event", async () => {
    const amyLab = inst.amy.labId;
    // By URL: the workspace of amy's lab loads nothing for bob.
    const page = await as("bob", "GET", `/api/labs/${amyLab}`);
    assert.equal(page.status, 404);
    // By API: no status, no exec, no start, no reset of someone else's instance, no board.
    assert.equal((await as("bob", "GET", `/api/labs/${amyLab}/status`)).status, 404);
    assert.equal((await as("bob", "POST", `/api/labs/${amyLab}/nodes/pc1/exec`, { script: "id" })).status, 404);
    assert.equal((await as("bob", "POST", `/api/labs/${amyLab}/stop`)).status, 404);
    assert.equal((await as("bob", "POST", `/api/assignments/${assignment.id}/reset`, { student: "amy@umlab.test" })).status, 404);
    assert.equal((await as("bob", "GET", `/api/assignments/${assignment.id}/board`)).status, 404);
    assert.equal((await as("eve", "POST", `/api/assignments/${assignment.id}/open`)).status, 404, "not in the class");
    const bobView = await ok<ClassDetail>(await as("bob", "GET", `/api/classes/${cls.id}`));
    assert.equal(bobView.members, undefined, "students see no member list");
    // By socket event: no subscribe, no attach, and keystrokes go nowhere.
    const bob = socketOf("bob");
    const amy = socketOf("amy");
    const bobSaw: string[] = [];
    for (const ev of ["lab:patch", "console:data", "lab:control"] as const) bob.on(ev, (e: { lab: string }) => e.lab === amyLab && bobSaw.push(ev));
    const sub = await new Promise<{ ok: boolean }>((r) => bob.emit("lab:subscribe", { lab: amyLab }, r));
    assert.equal(sub.ok, false);
    const att = await new Promise<{ ok: boolean }>((r) => bob.emit("console:attach", { lab: amyLab, node: "pc1" }, r));
    assert.equal(att.ok, false);
    assert.equal((await doorTicket(bob, amyLab, "pc1")).ok, false, "no ticket to the console door of another's lab");
    bob.emit("console:input", { lab: amyLab, node: "pc1", data: "touch /tmp/pwned\n" });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await ok<{ exitCode: number }>(await as("amy", "POST", `/api/labs/${amyLab}/nodes/pc1/exec`, { argv: ["test", "-e", "/tmp/pwned"] }))).exitCode, 1);
    assert.deepEqual(bobSaw, [], "bob got none of amy's events");
    amy.close();
  });

  it("the teacher follows every instance, reads a student's terminal, and typing there shows on the student's side", async () => {
    const board = await ok<Board>(await as("tom", "GET", `/api/assignments/${assignment.id}/board`));
    assert.deepEqual(board.rows.map((r) => [r.student.name, r.instance?.running]), [["amy", true], ["bob", true]]);
    const amy = socketOf("amy");
    const tom = socketOf("tom");
    const amyLab = inst.amy.labId;
    const control: string[] = [];
    amy.on("lab:control", (e) => control.push(`${e.by}@${e.node}`));
    assert.equal((await new Promise<{ ok: boolean }>((r) => amy.emit("lab:subscribe", { lab: amyLab }, r))).ok, true);
    assert.equal((await new Promise<{ ok: boolean }>((r) => amy.emit("console:attach", { lab: amyLab, node: "pc1" }, r))).ok, true);
    amy.emit("console:input", { lab: amyLab, node: "pc1", data: "echo typed-by-$((6*7))\n" });
    const seen: string[] = [];
    tom.on("console:data", (d) => d.lab === amyLab && seen.push(d.data));
    const sub = await new Promise<{ ok: boolean }>((r) => tom.emit("lab:subscribe", { lab: amyLab }, r));
    assert.equal(sub.ok, true, "the teacher follows a student's instance");
    const att = await new Promise<{ ok: boolean; replay?: string }>((r) => tom.emit("console:attach", { lab: amyLab, node: "pc1" }, r));
    assert.equal(att.ok, true);
    await until("the teacher sees what amy typed", 20_000, async () => (att.replay + seen.join("")).includes("typed-by-42"));
    assert.equal(control.length, 0, "watching alone tells the student nothing");
    tom.emit("console:input", { lab: amyLab, node: "pc1", data: "echo teacher-here\n" });
    await until("amy is told her teacher types", 10_000, async () => control.includes("tom@pc1"));

    // The same through the engine's console door, as the teacher's page goes: a ticket for amy's console, from tom's page's origin.
    control.length = 0;
    const reply = await doorTicket(tom, amyLab, "pc1");
    assert.ok(reply.ok && reply.door, JSON.stringify(reply));
    await assert.rejects(openDoor(url, reply), /another origin/, "the ticket opens the door for tom's page only");
    const door = await openDoor(url, await doorTicket(tom, amyLab, "pc1"), url);
    try {
      door.emit("console:input", { lab: amyLab, node: "pc1", data: "echo through-the-door\n" });
      await until("amy is told her teacher types through the door", 10_000, async () => control.includes("tom@pc1"));
      await until("the keystrokes reached amy's node", 10_000, async () => seen.join("").includes("through-the-door"));
    } finally {
      door.close();
    }
  });

  it("resets a student's instance to the published state, and sends the class a message", async () => {
    await sh("bob", inst.bob.labId, "echo broken > /root/note; sync");
    const amy = socketOf("amy");
    const eve = socketOf("eve");
    const got: Record<string, string[]> = { amy: [], eve: [] };
    amy.on("class:message", (m) => got.amy.push(m.text));
    eve.on("class:message", (m) => got.eve.push(m.text));
    await new Promise((r) => amy.once("connect", () => r(null)));
    await ok(await as("tom", "POST", `/api/classes/${cls.id}/messages`, { text: "10 minutes left" }), 201);
    await until("amy gets the message", 10_000, async () => got.amy.includes("10 minutes left"));
    const reset = await ok<{ reset: string[] }>(await as("tom", "POST", `/api/assignments/${assignment.id}/reset`, { student: "bob@umlab.test" }));
    assert.deepEqual(reset.reset, [inst.bob.lab]);
    await up("bob", inst.bob.labId);
    assert.equal(await sh("bob", inst.bob.labId, "cat /root/note"), "published");
    assert.deepEqual(got.eve, [], "no message to someone outside the class");
  });

  it("prints the results from the CLI, refuses an exam before it opens, and stops every instance", async () => {
    const r = umlab(url, ["class", "results", cls.id, "Ring", "--csv"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^student,email,lab,running/);
    assert.match(r.stdout, /amy,amy@umlab.test,ring-amy,yes/);
    const later = new Date(Date.now() + 3600_000).toISOString();
    const exam = await ok<AssignmentView>(await as("tom", "POST", `/api/classes/${cls.id}/assignments`, { lab: "ring", title: "Exam", opensAt: later }), 201);
    const refused = await as("amy", "POST", `/api/assignments/${exam.id}/open`);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /opens at/);
    const stopped = await ok<{ stopped: string[] }>(await as("tom", "POST", `/api/assignments/${assignment.id}/stop`));
    assert.deepEqual(stopped.stopped.sort(), [inst.amy.lab, inst.bob.lab].sort());
    await ok(await as("tom", "POST", "/api/labs/ring/stop"));
  });
});
