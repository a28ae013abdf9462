import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Switch } from "../../model/lab";
import { isAlive } from "../procs";
import { SwitchProcess } from "./switch-process";
import { Wirefilter } from "./wirefilter";

const sw = (name: string): Switch => ({ name, kind: "vde", mode: "switch", tap: null, pos: null });

describe("a vde switch's ports and management console (real vde_switch, wirefilter)", () => {
  const runDir = mkdtempSync(join(tmpdir(), "umlab-sw-"));
  const s = new SwitchProcess(sw("s1"), runDir);
  after(async () => {
    await s.stop();
    rmSync(runDir, { recursive: true, force: true });
  });
  const numports = async () => Number(/^Numports=(\d+)$/m.exec((await s.mgmt(["port/showinfo"]))[0].data.join("\n"))?.[1]);

  it("starts with room for its ports, and grows when one is handed out beyond its last", async () => {
    for (let i = 0; i < 10; i++) s.ports.allocate(`n${i}.eth0`);
    await s.start();
    assert.equal(s.numports, 36);
    assert.equal(await numports(), 36);
    await s.fitPorts();
    assert.equal(await numports(), 36, "nothing to do");
    for (let i = 10; i < 40; i++) s.ports.allocate(`n${i}.eth0`);
    await s.fitPorts();
    assert.equal(s.numports, 96);
    assert.equal(await numports(), 96);
    await s.mgmt(["port/create 95"]);
  });

  it("names the command a switch refused", async () => {
    await assert.rejects(s.mgmt(["port/setvlan 5000 1"]), { name: "MgmtError", message: '"port/setvlan 5000 1" failed: 1022 Invalid argument' });
    await s.mgmt(["vlan/create 7", "vlan/create 7"], { 1: [1017] });
  });

  it("runs a wirefilter between two of its ports, set live, ended by pid", async () => {
    const wf = new Wirefilter(runDir, "s1", 60, 61);
    await wf.start({ lossPct: 5, delayMs: 0, bandwidthKbit: null, dupPct: 0 });
    const pid = wf.pid!;
    assert.ok(isAlive(pid));
    const ports = (await s.mgmt(["port/print"]))[0].data.join("\n");
    assert.match(ports, /Port 0060 untagged_vlan=0000 ACTIVE/);
    assert.match(ports, /Port 0061 untagged_vlan=0000 ACTIVE/);
    await wf.set({ lossPct: 0, delayMs: 20, bandwidthKbit: 800, dupPct: 2 });
    await wf.stop();
    assert.equal(isAlive(pid), false);
  });

  it("a wirefilter that cannot plug in says why", async () => {
    const wf = new Wirefilter(runDir, "nosuch", 1, 2);
    await assert.rejects(wf.start({ lossPct: 5, delayMs: 0, bandwidthKbit: null, dupPct: 0 }), { name: "SwitchError", message: "wirefilter on nosuch ports 1/2 failed to start: vdeplug sw/nosuch[1]: No such file or directory" });
    assert.equal(wf.pid, null);
  });
});
