import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Node, Switch } from "../model/lab";
import { buildSwitchArgv, buildWirefilterArgv, wirefilterCommands } from "./switch/argv";
import { buildUmlArgv, macAddress, withoutAslr } from "./uml/argv";

const programs = { vde_switch: "/usr/bin/vde_switch", uml_switch: "/usr/bin/uml_switch" };
const sw = (name: string, kind: Switch["kind"], mode: Switch["mode"]): Switch => ({ name, kind, mode, tap: null, pos: null });

describe("command lines", () => {
  it("vde switch and hub", () => {
    assert.deepEqual(buildSwitchArgv(sw("sw1", "vde", "switch"), programs, 32), ["/usr/bin/vde_switch", "--sock", "sw/sw1", "--mgmt", "sw/sw1.mgmt", "--numports", "32"]);
    assert.deepEqual(buildSwitchArgv(sw("hub1", "vde", "hub"), programs, 48), ["/usr/bin/vde_switch", "--sock", "sw/hub1", "--mgmt", "sw/hub1.mgmt", "--numports", "48", "--hub"]);
  });

  it("uml_switch switch and hub", () => {
    assert.deepEqual(buildSwitchArgv(sw("s2", "uml_switch", "switch"), programs, 32), ["/usr/bin/uml_switch", "-unix", "sw/s2.sock"]);
    assert.deepEqual(buildSwitchArgv(sw("h2", "uml_switch", "hub"), programs, 32), ["/usr/bin/uml_switch", "-unix", "sw/h2.sock", "-hub"]);
  });

  it("a node with a vde port (on a fixed switch port), an unplugged port and a uml_switch port", () => {
    const node: Node = {
      name: "node01",
      role: "host",
      kernel: null,
      pos: null,
      image: "busybox",
      memoryMiB: 48,
      interfaces: [
        { index: 0, switch: "sw1" },
        { index: 1, switch: null },
        { index: 2, switch: "s2" },
      ],
      startup: "",
      files: {},
      after: [],
      disks: ["data", "shared"],
    };
    const switches = new Map([
      ["sw1", sw("sw1", "vde", "switch")],
      ["s2", sw("s2", "uml_switch", "hub")],
    ]);
    const argv = buildUmlArgv({
      kernel: "/usr/bin/linux.uml",
      lab: "lab1",
      node,
      cow: "/d/labs/lab1/disks/node01.cow",
      image: "/d/images/busybox-abc.img",
      modulesDisk: "/d/kernels/modules-fast-6.1.192-abc.img",
      agentTty: "/dev/pts/7",
      serialTtys: new Map([[2, "/dev/pts/8"], [3, "/dev/pts/9"]]),
      disks: [
        { slot: 3, file: "/d/labs/lab1/disks/extra/data.img" },
        { slot: 4, file: "/d/labs/lab1/disks/extra/shared.img" },
      ],
      lpj: 26000000,
      switches,
      ports: new Map([[0, 3]]),
    });
    const mac0 = macAddress("lab1", "node01", 0);
    const mac1 = macAddress("lab1", "node01", 1);
    const mac2 = macAddress("lab1", "node01", 2);
    assert.deepEqual(argv, [
      "/usr/bin/linux.uml",
      "ubd0=/d/labs/lab1/disks/node01.cow,/d/images/busybox-abc.img",
      "ubd1r=nodes/node01/config.img",
      "ubd2r=/d/kernels/modules-fast-6.1.192-abc.img",
      "ubd3=/d/labs/lab1/disks/extra/data.img",
      "ubd4=/d/labs/lab1/disks/extra/shared.img",
      "root=/dev/ubda",
      "rw",
      "init=/init",
      "mem=48M",
      "lpj=26000000",
      "con=null",
      "con0=fd:0,fd:1",
      "ssl=null",
      "ssl1=tty:/dev/pts/7",
      "ssl2=tty:/dev/pts/8",
      "ssl3=tty:/dev/pts/9",
      "umid=node01",
      "uml_dir=uml",
      `eth0=vde,sw/sw1,${mac0},3`,
      `eth1=vde,null://,${mac1}`,
      `eth2=daemon,${mac2},unix,sw/s2.sock`,
      "umlab.node=node01",
    ]);
  });

  it("a wirefilter between two ports of a switch, and its live settings", () => {
    const imp = { lossPct: 10, delayMs: 50, bandwidthKbit: 1000, dupPct: 0 };
    assert.deepEqual(buildWirefilterArgv("/usr/bin/wirefilter", "sw1", 40, 41, imp), [
      "/usr/bin/wirefilter",
      "-v",
      "sw/sw1[40]:sw/sw1[41]",
      "-M",
      "sw/sw1.wf40",
      "-l",
      "10",
      "-d",
      "50",
      "-b",
      "125000",
    ]);
    assert.deepEqual(buildWirefilterArgv("/usr/bin/wirefilter", "s", 2, 3, { lossPct: 0, delayMs: 0, bandwidthKbit: null, dupPct: 1.5 }), ["/usr/bin/wirefilter", "-v", "sw/s[2]:sw/s[3]", "-M", "sw/s.wf2", "-D", "1.5"]);
    assert.deepEqual(wirefilterCommands({ ...imp, bandwidthKbit: null }), ["loss 10", "delay 50", "dup 0", "bandwidth 0"]);
  });

  it("MAC addresses are stable, unicast, locally administered and distinct", () => {
    const a = macAddress("l", "n", 0);
    assert.equal(a, macAddress("l", "n", 0));
    assert.match(a, /^02(:[0-9a-f]{2}){5}$/);
    assert.notEqual(a, macAddress("l", "n", 1));
    assert.notEqual(a, macAddress("l", "m", 0));
  });

  it("starts linux.uml without address-space randomisation", () => {
    assert.deepEqual(withoutAslr(["/usr/bin/linux.uml", "mem=64M"], "/usr/bin/setarch", "x86_64"), ["/usr/bin/setarch", "x86_64", "-R", "/usr/bin/linux.uml", "mem=64M"]);
  });
});
