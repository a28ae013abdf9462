import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import { processesIn, sessionMembers } from "./procs";
import { SANDBOX_USER, sandboxHost } from "./sandbox";
import { GUEST_NICE } from "./uml/guest-process";

// Guests cannot touch the host: guest root on umlab's kernel (no hostfs) and
// on Debian's (hostfs built in) tries to mount the host's root, to read the
// database and another lab's files, and a gateway's guests try the host's
// loopback. Every host process of the lab runs sandboxed, as user umlab when
// the tests run as root.
const lab = (hostPort: number) => `
umlab: 1
name: boxed
nodes:
  fast:
    kernel: fast
    eth: [lan]
    startup: |
      ip addr add 10.0.2.15/24 dev eth0
      ip link set eth0 up
      ip route add default via 10.0.2.2
      echo nameserver 10.0.2.3 > /etc/resolv.conf
  deb:
    kernel: debian
    eth: [lan, old]
    startup: |
      ip addr add 10.0.2.16/24 dev eth0
      ip link set eth0 up
      ip route add default via 10.0.2.2
      echo nameserver 10.0.2.3 > /etc/resolv.conf
switches:
  lan: {}
  old: { kind: uml_switch }
gateways:
  out: { switch: lan, dhcp: false, hostPorts: [${hostPort}] }
disks:
  extra: { size: 1M }
`;

const listen = async (text: string): Promise<[Server, number]> => {
  const server = createServer((_req, res) => res.end(text));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return [server, (server.address() as { port: number }).port];
};

describe("guests cannot touch the host (sandboxed host processes, real guests on both kernels)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-sbx-"));
  const engine = new Engine(root);
  const db = join(root, "umlab.db");
  let run: LabRun;
  let open: Server;
  let closed: Server;
  let openPort = 0;
  let closedPort = 0;

  before(async () => {
    writeFileSync(db, "the database: not for guests\n");
    mkdirSync(join(root, "labs", "other", "disks"), { recursive: true });
    writeFileSync(join(root, "labs", "other", "disks", "secret.img"), "another lab's disk\n");
    [open, openPort] = await listen("opened on purpose\n");
    [closed, closedPort] = await listen("a host secret\n");
    run = await engine.start(parseLabYaml(lab(openPort)));
    await run.waitRunning(120000);
  });
  after(async () => {
    await engine.stopAll();
    open.close();
    closed.close();
    assert.deepEqual(processesIn(root), [], "no guest, switch, gateway or sandbox is left");
    rmSync(root, { recursive: true, force: true });
  });

  it("runs every guest, switch and gateway as the sandbox user (root) or in a user namespace", () => {
    const expected = process.getuid?.() === 0 ? sandboxHost().user!.uid : process.getuid?.();
    const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
    const pids = [run.node("fast").programPid()!, run.node("deb").programPid()!];
    assert.ok(pids.every((p) => p > 0));
    for (const p of pids) assert.equal(uidOf(p), expected, `linux.uml ${p} runs as ${SANDBOX_USER}`);
    for (const p of processesIn(run.paths.run)) if (readFileSync(`/proc/${p}/comm`, "utf8").trim() !== "bwrap") assert.equal(uidOf(p), expected, `${p} runs as ${SANDBOX_USER}`);
  });

  it("runs guests below the engine and the switches (nice 10), every process of theirs", () => {
    const niceOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[16]);
    const comms = processesIn(run.paths.run).map((p) => [p, readFileSync(`/proc/${p}/comm`, "utf8").trim()] as const);
    const guests = comms.filter(([, c]) => c.startsWith("linux")).map(([p]) => p);
    assert.ok(guests.length >= 2, `the guests' processes (${guests.length})`);
    for (const p of guests) assert.equal(niceOf(p), GUEST_NICE, `linux process ${p}`);
    const switches = comms.filter(([, c]) => c === "vde_switch").map(([p]) => p);
    assert.ok(switches.length >= 1);
    for (const p of switches) assert.equal(niceOf(p), 0, `vde_switch ${p}`);
    // Each guest is a session, and so a scheduling group of its own where the kernel groups sessions: the group yields too.
    if (existsSync("/proc/self/autogroup"))
      for (const p of guests) assert.match(readFileSync(`/proc/${p}/autogroup`, "utf8"), new RegExp(`nice ${GUEST_NICE}\\b`), `linux process ${p}'s group`);
  });

  it("fast kernel: hostfs is not even known to the guest", async () => {
    const r = await run.node("fast").exec("grep -c hostfs /proc/filesystems; mkdir -p /mnt/h; mount -t hostfs none /mnt/h -o / && ls /mnt/h");
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stdout, /^0\n/);
    assert.doesNotMatch(r.stdout, /usr|etc/);
  });

  it("Debian's kernel: hostfs shows the sandbox's root only, with no /etc, no database and no other lab", async () => {
    const node = run.node("deb");
    const m = await node.exec("mkdir -p /mnt/h; mount -t hostfs none /mnt/h -o / && ls -a /mnt/h");
    assert.equal(m.exitCode, 0, m.stdout + m.stderr);
    const top = m.stdout.split("\n").filter((l) => l && l !== "." && l !== "..");
    // /usr and its links, /proc, /dev, /tmp, and the first folder of each bound path (its lab, kernel, image).
    const allowed = new Set(["bin", "dev", "lib", "lib64", "proc", "sbin", "tmp", "usr", ...[root, run.paths.run, process.env.UMLAB_KERNELS ?? root, process.env.UMLAB_IMAGES ?? root].map((p) => p.split("/")[1])]);
    assert.deepEqual(top.filter((t) => !allowed.has(t)), [], `unexpected in the sandbox's root: ${top.join(" ")}`);
    for (const path of ["/etc/shadow", "/etc/passwd", "/root", "/home", db, join(root, "labs", "other", "disks", "secret.img"), join(process.cwd(), ".umlab", "umlab.db")]) {
      const r = await node.exec(`cat /mnt/h${path} || ls /mnt/h${path}`);
      assert.notEqual(r.exitCode, 0, `${path} is visible: ${r.stdout}`);
    }
    const labs = await node.exec(`ls /mnt/h${join(root, "labs")}`);
    assert.equal(labs.stdout, "boxed\n", "its own lab only");
    const data = await node.exec(`ls /mnt/h${root}`);
    assert.equal(data.stdout, "labs\ntools\n", "of the data root: its lab and its preloaded helper");
    await node.exec("umount /mnt/h");
  });

  it("a gateway's guests reach a host port the lab opened, and no other port of the host's loopback", async () => {
    for (const name of ["fast", "deb"]) {
      const ok = await run.node(name).exec(`wget -q -O - http://10.0.2.2:${openPort}/`);
      assert.equal(ok.stdout, "opened on purpose\n", `${name}: ${ok.stderr}`);
      const no = await run.node(name).exec(`wget -q -O - http://10.0.2.2:${closedPort}/`);
      assert.notEqual(no.exitCode, 0, `${name} reached the host's loopback: ${no.stdout}`);
      assert.match(no.stderr, /Connection refused/);
      assert.doesNotMatch(no.stdout, /secret/);
    }
  });

  it("the machine console plugs in only the lab's own disks, and no device but disks", async () => {
    const node = run.node("deb");
    // Another file of the lab's own (a node's root disk) is no more a disk to plug in than one outside it.
    for (const value of ["/etc/shadow", db, join(root, "labs", "other", "disks", "secret.img"), "../../other/disks/secret.img", run.node("fast").cowPath])
      await assert.rejects(node.mconsole({ op: "config", device: "ubd3", value }), { name: "MconsoleError", message: /not one of the lab's disks/ }, value);
    await assert.rejects(node.mconsole({ op: "config", device: "eth3", value: "vde,/tmp/x" }), { name: "MconsoleError", message: /only disks/ });
    await assert.rejects(node.mconsole({ op: "config", device: "ssl3", value: "tty:/dev/tty1" }), { name: "MconsoleError", message: /only disks/ });
    // A disk of its own lab is plugged in (made for it, and the sandbox user can open it).
    await node.disks.plug("extra");
    await node.disks.unplug("extra");
    const r = await node.mconsole({ op: "config", device: "ubd3", value: join(run.paths.disks, "extra", "extra.img") });
    assert.ok(r.ok, r.text);
    assert.match((await node.exec("cat /sys/block/ubdd/size")).stdout, /^2048\n/);
  });

  it("stopping ends every sandbox and what runs in it", async () => {
    const sids = [run.node("fast").pid!, run.node("deb").pid!];
    await engine.stop("boxed");
    for (const sid of sids) assert.deepEqual(sessionMembers(sid), []);
    assert.deepEqual(processesIn(root), []);
  });
});
