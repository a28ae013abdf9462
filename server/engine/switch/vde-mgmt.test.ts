import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { expectOk, mgmtSession, parseMgmtReply } from "./vde-mgmt";

// What vde_switch 2.3.2 and wirefilter write, byte for byte (captured here).
const BANNER = "VDE switch V.2.3.2\n(C) Virtual Square Team (coord. R. Davoli) 2005,2006,2007 - GPLv2\n\nvde$ ";
const PRINT =
  "0000 DATA END WITH '.'\nPort 0003 untagged_vlan=1001 ACTIVE - Unnamed Allocatable\n Current User: root Access Control: (User: NONE - Group: NONE)\n  -- endpoint ID 0003 module unix prog   : vdeplug: user=root pid=6439\n.\n1000 Success\n\nvde$ ";

describe("VDE management answers", () => {
  it("parses a success after the banner and prompt", () => {
    const got = parseMgmtReply(`${BANNER}1000 Success\n\nvde$ `);
    assert.deepEqual(got?.reply, { code: 1000, text: "Success", data: [] });
    assert.equal(got?.rest, "\nvde$ ");
  });

  it("parses errors by their code", () => {
    assert.deepEqual(parseMgmtReply("vde$ 1006 No such device or address\n")?.reply, { code: 1006, text: "No such device or address", data: [] });
    assert.deepEqual(parseMgmtReply("\nVDEwf$ 1038 Function not implemented\n\nVDEwf$ ")?.reply, { code: 1038, text: "Function not implemented", data: [] });
  });

  it("collects an output block, whatever its lines look like", () => {
    const got = parseMgmtReply(`vde$ ${PRINT}`);
    assert.equal(got?.reply.code, 1000);
    assert.deepEqual(got?.reply.data, [
      "Port 0003 untagged_vlan=1001 ACTIVE - Unnamed Allocatable",
      " Current User: root Access Control: (User: NONE - Group: NONE)",
      "  -- endpoint ID 0003 module unix prog   : vdeplug: user=root pid=6439",
    ]);
    // A line inside the block that looks like an answer is data.
    assert.deepEqual(parseMgmtReply("0000 DATA END WITH '.'\n1000 looks like one\n.\n1022 Invalid argument\n")?.reply, { code: 1022, text: "Invalid argument", data: ["1000 looks like one"] });
  });

  it("waits for the end of an answer", () => {
    for (const partial of ["", BANNER, "1000 Succ", "0000 DATA END WITH '.'\nPort 0003\n", "0000 DATA END WITH '.'\n.\n"]) assert.equal(parseMgmtReply(partial), null, JSON.stringify(partial));
  });

  it("takes two answers one after the other", () => {
    const first = parseMgmtReply("1000 Success\n\nvde$ 1017 File exists\n\nvde$ ")!;
    assert.equal(first.reply.code, 1000);
    assert.equal(parseMgmtReply(first.rest)?.reply.code, 1017);
  });

  it("accepts the codes allowed for each command, and names the command that failed", () => {
    const r = (code: number) => ({ code, text: "x", data: [] });
    expectOk(["vlan/create 4", "port/setvlan 2 4"], [r(1017), r(1000)], { 0: [1017] });
    assert.throws(() => expectOk(["vlan/create 4", "port/setvlan 2 4"], [r(1000), r(1006)], { 0: [1017] }), /"port\/setvlan 2 4" failed: 1006/);
  });
});

describe("VDE management sessions", () => {
  const dir = mkdtempSync(join(tmpdir(), "umlab-mgmt-"));
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fake = (rel: string, answer: (cmd: string) => string | null) =>
    new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      const server = createServer((c) => {
        c.write(BANNER);
        c.on("data", (d) => {
          const cmd = String(d);
          seen.push(cmd);
          const a = answer(cmd.trim());
          if (a !== null) c.write(a);
        });
      });
      servers.push(server);
      server.listen(join(dir, rel), () => resolve(seen));
    });

  it("sends one command at a time and returns every answer", async () => {
    const seen = await fake("a.mgmt", (cmd) => (cmd === "port/print" ? PRINT : cmd === "bogus" ? "1038 Function not implemented\n\nvde$ " : "1000 Success\n\nvde$ "));
    const replies = await mgmtSession(dir, "a.mgmt", ["vlan/create 10", "port/print", "bogus"]);
    assert.deepEqual(replies.map((r) => r.code), [1000, 1000, 1038]);
    assert.equal(replies[1].data.length, 3);
    assert.deepEqual(seen, ["vlan/create 10\n", "port/print\n", "bogus\n"], "each command alone, in its own read");
  });

  it("gives up on a console that does not answer", async () => {
    await fake("b.mgmt", () => null);
    const t0 = Date.now();
    await assert.rejects(mgmtSession(dir, "b.mgmt", ["port/print"], 300), { name: "MgmtError", message: /no answer to "port\/print" within 300 ms/ });
    assert.ok(Date.now() - t0 < 1500);
  });

  it("fails clearly when nothing listens", async () => {
    await assert.rejects(mgmtSession(dir, "none.mgmt", ["port/print"]), { name: "MgmtError", message: /none\.mgmt: .*ENOENT/ });
  });

  it("reaches a socket in a directory too deep for a Unix socket path", async () => {
    const deep = join(dir, "d".repeat(60), "e".repeat(60));
    mkdirSync(deep, { recursive: true });
    // A listener at a deep path can only be bound relative to it: from a child process working there.
    const child = spawn(process.execPath, ["-e", `require("net").createServer((c)=>{c.write(${JSON.stringify(BANNER)});c.on("data",()=>c.write("1000 Success\\n\\nvde$ "))}).listen("s.mgmt",()=>console.log("up"))`], { cwd: deep, stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise((r) => child.stdout!.once("data", r));
      assert.ok(join(deep, "s.mgmt").length > 108);
      const replies = await mgmtSession(deep, "s.mgmt", ["port/print"]);
      assert.equal(replies[0].code, 1000);
    } finally {
      child.kill();
    }
  });
});
