import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import { processesIn, sessionMembers } from "./procs";

const LAB = `
umlab: 1
name: three
nodes:
  node01:
    eth: [sw1]
    startup: |
      ip addr add 10.0.1.1/24 dev eth0
      ip link set eth0 up
  node02:
    role: router
    eth: [sw1, hub1]
    startup: |
      ip addr add 10.0.1.2/24 dev eth0
      ip addr add 10.0.2.2/24 dev eth1
      ip link set eth0 up
      ip link set eth1 up
  node03:
    eth: [hub1]
    files:
      /etc/motd: "node03 says hi\\n"
    startup: |
      ip addr add 10.0.2.3/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
  hub1: { mode: hub }
`;

describe("engine with real UML guests and switches", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-it-"));
  const engine = new Engine(root);
  const lab = parseLabYaml(LAB);

  before(async () => {
    const run = await engine.start(lab);
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("pings across a switch and across a hub", async () => {
    const run = engine.run("three")!;
    const a = await run.node("node01").exec("ping -c 2 -W 5 10.0.1.2");
    assert.equal(a.exitCode, 0, a.stdout + a.stderr);
    assert.match(a.stdout, /2 packets received/);
    const b = await run.node("node03").exec("ping -c 2 -W 5 10.0.2.2");
    assert.equal(b.exitCode, 0, b.stdout + b.stderr);
  });

  it("exec returns stdout, stderr and the exit code", async () => {
    const node = engine.run("three")!.node("node03");
    const r = await node.exec("hostname; cat /etc/motd; echo oops >&2; exit 7");
    assert.deepEqual(r, { stdout: "node03\nnode03 says hi\n", stderr: "oops\n", exitCode: 7 });
    const many = await Promise.all([1, 2, 3].map((i) => node.exec(`echo ${i}`)));
    assert.deepEqual(many.map((m) => m.stdout), ["1\n", "2\n", "3\n"]);
  });

  it("the console shows a prompt with the node name", async () => {
    const node = engine.run("three")!.node("node02");
    node.write("echo console-$((40+2))\r");
    const deadline = Date.now() + 10000;
    while (!/console-42/.test(node.console.text()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(node.console.text(), /node02:[^\n]*# /);
    assert.match(node.console.text(), /console-42/);
  });

  it("^C in the console interrupts the foreground job", async () => {
    const node = engine.run("three")!.node("node03");
    node.write("sleep 30\r");
    await new Promise((r) => setTimeout(r, 500));
    node.write("\x03");
    node.write("echo after-$((6*7))\r");
    const deadline = Date.now() + 5000;
    while (!/after-42/.test(node.console.text()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(node.console.text(), /after-42/);
  });

  it("a console flooded with output never hangs", async () => {
    const node = engine.run("three")!.node("node01");
    let last = Date.now();
    let longestGap = 0;
    const onData = () => {
      longestGap = Math.max(longestGap, Date.now() - last);
      last = Date.now();
    };
    node.on("data", onData);
    // Debian's UML leaves a flooded console hanging for seconds at a time unless nudged (ConsoleNudger).
    node.write("yes flood\r");
    await new Promise((r) => setTimeout(r, 4000));
    node.write("\x03");
    node.write("echo flood-$((6*7))-done\r");
    const deadline = Date.now() + 20000;
    while (!/flood-42-done/.test(node.console.tail(3)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    node.off("data", onData);
    assert.match(node.console.tail(3), /flood-42-done/);
    assert.ok(longestGap < 2000, `the console went quiet for ${longestGap} ms in the middle of a flood`);
  });

  it("exec fails clearly while the guest is frozen (mconsole stop), and works after go", async () => {
    const node = engine.run("three")!.node("node02");
    assert.ok((await node.mconsole({ op: "stop" })).ok);
    try {
      await assert.rejects(node.exec("echo frozen", 1), { name: "ExecError", message: /no answer from the node within 6 s/ });
    } finally {
      assert.ok((await node.mconsole({ op: "go" })).ok);
    }
    const r = await node.exec("echo thawed");
    assert.equal(r.stdout, "thawed\n");
  });

  it("a router forwards IPv4 from boot, a host does not", async () => {
    const run = engine.run("three")!;
    assert.equal((await run.node("node02").exec("cat /proc/sys/net/ipv4/ip_forward")).stdout, "1\n");
    assert.equal((await run.node("node01").exec("cat /proc/sys/net/ipv4/ip_forward")).stdout, "0\n");
  });

  it("loads kernel modules with modprobe (the kernel's modules disk on /lib/modules)", async () => {
    const r = await engine.run("three")!.node("node03").exec("modprobe softdog && grep -c '^softdog ' /proc/modules");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "1\n");
  });

  it("mconsole answers version", async () => {
    const r = await engine.run("three")!.node("node01").mconsole({ op: "version" });
    assert.ok(r.ok, r.text);
    assert.match(r.text, /6\.\d+/);
  });

  it("reports a node killed from outside as crashed with its log tail, and restarts it keeping its disk", async () => {
    const run = engine.run("three")!;
    const node = run.node("node01");
    await node.exec("echo kept > /root/mark; sync");
    const crashed = new Promise<void>((resolve) => node.on("state", (s) => s.state === "crashed" && resolve()));
    process.kill(node.pid!, "SIGKILL");
    await crashed;
    assert.equal(node.state, "crashed");
    assert.match(node.reason!, /killed by signal 9/);
    assert.match(node.reason!, /Last console lines/);
    await node.start();
    // Typed and resized while it boots: kept and given to it once it is up
    // (a SIGWINCH early in the boot panics Debian's UML).
    node.write("echo typed-$((6*7))-early\r");
    node.resize(120, 40);
    await node.waitRunning(60000);
    const deadline = Date.now() + 10000;
    while (!/typed-42-early/.test(node.console.text()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(node.console.text(), /typed-42-early/);
    assert.equal((await node.exec("stty -F /dev/tty0 size")).stdout, "40 120\n");
    const r = await node.exec("cat /root/mark; ping -c 1 -W 5 10.0.1.2 >/dev/null && echo net-ok");
    assert.equal(r.stdout, "kept\nnet-ok\n");
  });

  it("stopping the lab leaves no process and no socket", async () => {
    const run = engine.run("three")!;
    const pids = [...run.nodes.values()].map((n) => n.pid!).filter(Boolean);
    const runDir = run.paths.run;
    await engine.stop("three");
    for (const pid of pids) assert.deepEqual(sessionMembers(pid), [], `guest session ${pid} still has processes`);
    assert.deepEqual(processesIn(runDir), []);
    assert.equal(existsSync(runDir), false);
    assert.ok(existsSync(join(root, "labs", "three", "disks", "node01.cow")), "disks are kept");
  });
});
