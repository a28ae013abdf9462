import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { connect, doorTicket, openDoor, request, umlab, until, type DoorClient } from "./test-support";

const LAB = `umlab: 1
name: doorlab
nodes:
  host1: {}
`;

/** What a door client is sent, from its attach on (the replay first). */
async function attachDoor(door: DoorClient): Promise<{ text: () => string }> {
  let text = "";
  door.on("console:data", (m) => (text = m.reset ? m.data : text + m.data));
  const r = await new Promise<{ ok: boolean; replay?: string; error?: string }>((resolve) => door.emit("console:attach", { lab: "doorlab", node: "host1" }, resolve));
  assert.equal(r.ok, true, r.error);
  text = (r.replay ?? "") + text;
  return { text: () => text };
}

describe("the engine's console door: a terminal straight to the engine with a ticket from the web server (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";

  before(async () => {
    server = await startLabServer({ samples: false, name: "door" });
    ({ url } = server);
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
    const r = umlab(url, ["start", "doorlab"]);
    assert.equal(r.status, 0, r.stderr);
  });

  after(() => server?.stop());

  it("types and reads a console through the door, which keeps working while the web server is killed and started again", async () => {
    const s = server!;
    const main = connect(url);
    try {
      const reply = await doorTicket(main, "doorlab", "host1");
      assert.ok(reply.ok && reply.door && "port" in reply.door, `a door on this host: ${JSON.stringify(reply)}`);
      const door = await openDoor(url, reply);
      try {
        const screen = await attachDoor(door);
        door.emit("console:input", { lab: "doorlab", node: "host1", data: "echo door-$((6*7))\r" });
        await until("the echo through the door", 20_000, async () => screen.text().includes("door-42"));

        await s.killWeb();
        door.emit("console:input", { lab: "doorlab", node: "host1", data: "echo still-$((7*6))\r" });
        await until("an echo with no web server at all", 20_000, async () => screen.text().includes("still-42"));
        await s.startWeb();
        assert.equal(door.connected, true, "the door stayed open through the restart");
      } finally {
        door.close();
      }
    } finally {
      main.close();
    }
  });

  it("opens only with a ticket it signed, unused, from the page's origin, and for a console of the lab", async () => {
    const main = connect(url);
    try {
      const reply = await doorTicket(main, "doorlab", "host1");
      assert.ok(reply.ok && reply.door);
      const tampered = { ...reply, ticket: reply.ticket.replace(/.$/, (c) => (c === "A" ? "B" : "A")) };
      await assert.rejects(openDoor(url, tampered), /not valid/);
      const forged = Buffer.from(JSON.stringify({ lab: "doorlab", node: "host1", user: "x", name: "x", supervised: false, origin: null, exp: Date.now() + 10_000, nonce: "a".repeat(22) })).toString("base64url");
      await assert.rejects(openDoor(url, { ...reply, ticket: `${forged}.${"A".repeat(43)}` }), /not valid/);
      await assert.rejects(openDoor(url, { ...reply, ticket: "" }), /not valid/);
      // A ticket given to a client with no Origin (not a browser) opens no door for a page of any origin.
      await assert.rejects(openDoor(url, reply, "http://evil.example"), /another origin/);
      (await openDoor(url, reply)).close();
      await assert.rejects(openDoor(url, reply), /used already/);
      // No ticket for a console the lab does not have, or a lab that is not there.
      const nope = await doorTicket(main, "doorlab", "host9");
      assert.equal(nope.ok, false);
      assert.equal((await doorTicket(main, "nolab", "host1")).ok, false);
    } finally {
      main.close();
    }
  });
});

describe("the console door with the engine inside the web server (UMLAB_ENGINE=inprocess)", () => {
  let server: LabServer | undefined;
  before(async () => {
    server = await startLabServer({ samples: false, name: "door-inprocess", inProcess: true });
    assert.equal((await request(server.url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
  });
  after(() => server?.stop());

  it("offers no door: terminals go through the web server, which is the engine", async () => {
    const main = connect(server!.url);
    try {
      const reply = await doorTicket(main, "doorlab", "host1");
      assert.deepEqual(reply.ok && reply.door, null);
    } finally {
      main.close();
    }
  });
});
