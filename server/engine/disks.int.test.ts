import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import type { LiveEvent } from "./live";
import { LocalEngine } from "./local-engine";
import { processesIn, waitFor } from "./procs";
import type { NodeStatus } from "./uml/node-types";

const LAB = `
umlab: 1
name: disks
disks:
  shared: { size: 64M, format: ext4 }
  data: { size: 8M }
  spare: { size: 16M, format: ext2 }
nodes:
  one: { disks: [shared, data] }
  two: { disks: [shared] }
`;

describe("extra and shared disks, hot-plug and the watchdog (real UML)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-disks-"));
  const engine = new Engine(root);
  const local = new LocalEngine(engine);
  const lab = parseLabYaml(LAB);
  let run: LabRun;
  const events: LiveEvent[] = [];
  const sh = async (node: string, script: string, timeoutS = 30) => {
    const r = await run.node(node).exec(script, timeoutS);
    return { ...r, out: r.stdout.trim() };
  };
  /** Until `check` is true, tried every 300 ms. */
  async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 300))) if (await check()) return true;
    return false;
  }
  const holder = () => engine.status(lab).disks?.find((d) => d.name === "shared")?.holder ?? null;

  before(async () => {
    engine.on("patch", (ev: LiveEvent) => events.push(ev));
    run = await engine.start(lab);
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("boots each node with its disks from /dev/ubdd on: made sparse, formatted when asked, blank otherwise", async () => {
    const files = join(run.paths.disks, "extra");
    for (const [name, mib] of [["shared", 64], ["data", 8]] as const) {
      const st = statSync(join(files, `${name}.img`));
      assert.equal(st.size, mib * 2 ** 20);
      assert.ok(st.blocks * 512 < st.size / 2, `${name} is not sparse: ${st.blocks * 512} bytes used`);
    }
    assert.equal(existsSync(join(files, "spare.img")), false, "a disk no node boots with is made when first plugged");
    assert.equal((await sh("one", "cat /sys/block/ubdd/size /sys/block/ubde/size")).out, `${64 * 2048}\n${8 * 2048}`);
    assert.equal((await sh("two", "cat /sys/block/ubdd/size; test -e /dev/ubde && echo extra || echo none")).out, `${64 * 2048}\nnone`);
    // Blank: no file system to mount.
    assert.notEqual((await sh("one", "mount -t ext4 /dev/ubde /mnt 2>&1")).exitCode, 0);
    const status = engine.status(lab);
    assert.deepEqual(status.nodes.find((n) => n.name === "one")?.disks, [
      { name: "shared", slot: 3, device: "/dev/ubdd" },
      { name: "data", slot: 4, device: "/dev/ubde" },
    ]);
    assert.deepEqual(
      status.disks?.map((d) => [d.name, d.users.join(","), d.in.join(","), d.holder]),
      [["shared", "one,two", "one,two", null], ["data", "one", "one", null], ["spare", "", "", null]],
    );
  });

  it("lets one guest at a time open the shared disk: the other is told who holds it, and gets it once the holder is killed", async () => {
    const mounted = await sh("one", "mkdir -p /mnt/shared && mount -t ext4 /dev/ubdd /mnt/shared && echo from-one > /mnt/shared/f && sync && cat /mnt/shared/f");
    assert.equal(mounted.out, "from-one", mounted.stderr);
    assert.ok(await waitFor(() => holder() === "one", 5000), `holder: ${holder()}`);
    assert.ok(events.some((e) => e.patch.kind === "disks" && e.patch.disks.some((d) => d.name === "shared" && d.holder === "one")), "the lock's holder reaches the live state");

    const seen: string[] = [];
    run.node("two").on("data", (d: string) => seen.push(d));
    const refused = await sh("two", "mkdir -p /mnt/shared && mount -t ext4 /dev/ubdd /mnt/shared 2>&1; echo rc=$?");
    assert.match(refused.out, /rc=[1-9]/, "two mounted a disk one holds");
    assert.ok(await waitFor(() => seen.join("").includes("[umlab: disk shared is held by node one"), 5000), `two's console: ${JSON.stringify(seen.join("").slice(-600))}`);

    run.node("one").crash();
    assert.ok(await waitFor(() => run.node("one").state === "crashed", 15000));
    assert.ok(await waitFor(() => holder() === null, 5000), `holder after the crash: ${holder()}`);
    const taken = await sh("two", "mount -t ext4 /dev/ubdd /mnt/shared && cat /mnt/shared/f");
    assert.equal(taken.out, "from-one", taken.stderr);
    assert.ok(await waitFor(() => holder() === "two", 5000), `holder: ${holder()}`);
    assert.equal((await sh("two", "umount /mnt/shared && echo ok")).out, "ok");
  });

  it("plugs a disk into a running guest through its machine console, as a block device, and unplugs it", async () => {
    const plugged = await local.diskAction(lab.name, lab, "two", "spare", "plug");
    assert.deepEqual(plugged.nodes.find((n) => n.name === "two")?.disks?.at(-1), { name: "spare", slot: 4, device: "/dev/ubde" });
    assert.ok(await until(async () => (await sh("two", "test -b /dev/ubde && cat /sys/block/ubde/size")).out === `${16 * 2048}`, 10000), "no /dev/ubde in two");
    assert.equal((await sh("two", "mkdir -p /mnt/spare && mount -t ext2 /dev/ubde /mnt/spare && echo ok")).out, "ok");
    // In use: the guest keeps it, and says so.
    await assert.rejects(local.diskAction(lab.name, lab, "two", "spare", "unplug"), { name: "DiskError" });
    await sh("two", "umount /mnt/spare");
    await local.diskAction(lab.name, lab, "two", "spare", "unplug");
    assert.ok(await until(async () => (await sh("two", "test -e /sys/block/ubde && echo there || echo gone")).out === "gone", 10000));

    // A person's own machine console request: only the lab's disk files, and tracked like the rest.
    const spareFile = join(run.paths.disks, "extra", "spare.img");
    assert.equal((await run.node("two").mconsole({ op: "config", device: "ubd7", value: spareFile })).ok, true);
    assert.equal(engine.status(lab).nodes.find((n) => n.name === "two")?.disks?.at(-1)?.device, "/dev/ubdh");
    await run.node("two").mconsole({ op: "remove", device: "ubd7" });
    await assert.rejects(run.node("two").mconsole({ op: "config", device: "ubd8", value: join(run.paths.disks, "one.cow") }), /not one of the lab's disks/);
    await assert.rejects(local.diskAction(lab.name, lab, "two", "shared", "plug"), /already in two/);
    await assert.rejects(local.diskAction(lab.name, lab, "one", "spare", "plug"), /is crashed/);

    // Started again after its crash, it has its machine console where the engine looks (its old umid folder is gone).
    await run.startNode("one");
    await run.node("one").waitRunning(60000);
    assert.equal((await run.node("one").mconsole({ op: "version" })).ok, true);
    assert.doesNotMatch(run.node("one").console.text(), /already in use/);
    await local.diskAction(lab.name, lab, "one", "spare", "plug");
    await local.diskAction(lab.name, lab, "one", "spare", "unplug");
  });

  it("reboots a frozen guest whose softdog is armed, and says the watchdog did it", async () => {
    const two = run.node("two");
    const states: NodeStatus[] = [];
    two.on("state", (s: NodeStatus) => states.push(s));
    // softdog is the last watchdog: /dev/watchdog1 on Debian's kernel (UML's harddog is /dev/watchdog there), /dev/watchdog0 on the fast one.
    const find = `ls /dev/watchdog[0-9]* | sort -V | tail -n 1`;
    const armed = await sh("two", `modprobe softdog soft_margin=3 && w=$(${find}) && test -c "$w" && { (exec 3>"$w"; sleep 100000) </dev/null >/dev/null 2>&1 & } && sleep 1 && echo armed`);
    assert.equal(armed.out, "armed", armed.stderr);
    assert.equal((await two.mconsole({ op: "stop" })).ok, true);
    await new Promise((r) => setTimeout(r, 5000));
    await two.mconsole({ op: "go" });
    assert.ok(await waitFor(() => states.some((s) => s.state === "booting"), 20000), `no reboot seen: ${JSON.stringify(states)} ${JSON.stringify(two.console.tail(30))}`);
    await two.waitRunning(60000);
    assert.equal(two.status().reboot?.cause, "watchdog");
    assert.equal(two.status().reboot?.count, 1);
    assert.equal(states.at(-1)?.reboot?.cause, "watchdog");
    assert.match((await sh("two", "cat /proc/uptime")).out, /^\d{1,2}\./, "the guest did not boot again");
    // It came back with the disks it boots with.
    assert.deepEqual(two.status().disks, [{ name: "shared", slot: 3, device: "/dev/ubdd" }]);
  });

  it("takes a reboot from inside as such, with no watchdog, and ignores a guest that only prints a kernel banner", async () => {
    const two = run.node("two");
    await sh("two", "printf '\\nLinux version 9.9.9 (forged)\\n' > /dev/console");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(two.state, "running");
    assert.equal(two.status().reboot?.count, 1);
    await sh("two", "(sleep 1; reboot -f) >/dev/null 2>&1 </dev/null &");
    assert.ok(await waitFor(() => two.status().reboot?.count === 2, 30000), `reboots: ${JSON.stringify(two.status().reboot)}`);
    await two.waitRunning(60000);
    assert.equal(two.status().reboot?.cause, "guest");
  });

  it("starts a guest again that died as its watchdog rebooted it, and says the watchdog did it", async () => {
    const two = run.node("two");
    const states: NodeStatus[] = [];
    two.on("state", (s: NodeStatus) => states.push(s));
    // UML restarts from softdog's timer interrupt, and its cleanup there can abort (a CI run saw linux.uml end by
    // SIGABRT). softdog's words, then a panic (UML aborts on one), are that here, every time.
    await sh("two", "echo 1 > /proc/sys/kernel/sysrq; (sleep 1; echo 'softdog: Initiating system reboot' > /dev/console; echo c > /proc/sysrq-trigger) >/dev/null 2>&1 </dev/null &");
    assert.ok(await waitFor(() => states.some((s) => s.state === "booting"), 30000), `not started again: ${JSON.stringify(states)}`);
    await two.waitRunning(60000);
    assert.deepEqual(states.filter((s) => s.state === "crashed"), [], "never shown crashed");
    assert.equal(two.status().reboot?.cause, "watchdog");
    assert.equal(two.status().reboot?.count, 3);
    assert.match(two.console.text(), /died as its watchdog rebooted it; starting it again/);
  });

  it("keeps the extra disks in snapshots, rollbacks, clones and archives", async () => {
    // Read on the host: the file in the disk's ext4, without a guest.
    const readF = (img: string) => execFileSync("debugfs", ["-R", "cat /f", img], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    // Made again: the reboot -f before lost what was not written out.
    const write = (text: string) => sh("two", `mkdir -p /mnt/shared && mount -t ext4 /dev/ubdd /mnt/shared && echo ${text} > /mnt/shared/f && umount /mnt/shared && echo ok`);
    const first = await write("before-snapshot");
    assert.equal(first.out, "ok", first.stderr);
    const snap = await local.takeSnapshot(lab.name, lab, "with-disks", null);
    assert.deepEqual(snap.extra?.sort(), ["data", "shared", "spare"]);
    assert.equal((await write("after-snapshot")).out, "ok");
    const shared = join(run.paths.disks, "extra", "shared.img");
    assert.equal(readF(shared), "after-snapshot\n");

    const cloneDisks = join(root, "labs", "disks-clone", "disks");
    await local.copyLabDisks(lab.name, "disks-clone", lab.nodes.map((n) => n.name));
    assert.equal(readF(join(cloneDisks, "extra", "shared.img")), "after-snapshot\n");

    await engine.stop(lab.name);
    await local.restoreSnapshot(lab.name, snap.id, null);
    assert.equal(readF(shared), "before-snapshot\n");

    // A whole-lab archive holds them, and an import puts them in the new lab's folder.
    const token = "ab".repeat(16);
    await local.exportLabArchive(lab.name, lab, token, false);
    const unpacked = await local.unpackLabArchive(token);
    await local.adoptLabArchive(token, "disks-import", parseLabYaml(unpacked.definition));
    assert.equal(readF(join(root, "labs", "disks-import", "disks", "extra", "shared.img")), "before-snapshot\n");
  });

  it("leaves no process behind once the lab stops", async () => {
    await engine.stop(lab.name);
    assert.deepEqual(processesIn(run.paths.run), []);
  });
});
