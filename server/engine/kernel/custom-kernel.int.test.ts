import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../../labfile/labyaml";
import { Engine } from "../engine";
import { labPaths } from "../paths";
import { processesIn } from "../procs";
import { normalizeFragment } from "./build";
import { TEST_KERNEL } from "./fixtures/test-kernel";
import { customKernel } from "./kernels";

// A lab whose nodes boot a custom kernel (lab-wide `kernel:`), but for one on
// umlab's fast kernel beside it. The custom kernel's fragment
// (fixtures/umlab-test.config) adds the cake qdisc as a module and takes the
// dummy interface away; umlab's configuration stays under it (the node boots, its modules
// disk mounts, it talks over the switch).
const LAB = `
umlab: 1
name: customk
kernel: ${TEST_KERNEL.name}
nodes:
  c1:
    eth: [sw1]
    startup: |
      ip addr add 10.8.1.1/24 dev eth0
  f1:
    kernel: fast
    eth: [sw1]
    startup: |
      ip addr add 10.8.1.2/24 dev eth0
switches:
  sw1: {}
`;

describe("a custom kernel (real guests)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-customk-"));
  const engine = new Engine(root);
  const kernel = customKernel(root, TEST_KERNEL.name);

  before(async () => {
    // Not a skip: a test run without it is a provisioning failure.
    assert.ok(kernel, `the custom kernel ${TEST_KERNEL.name} is not built (npm test builds it first; or run: node --import tsx scripts/build-kernel.mts --test)`);
    assert.equal(kernel.fragment, normalizeFragment(TEST_KERNEL.fragment), "the custom kernel was built from another fragment: run node --import tsx scripts/build-kernel.mts --test");
    const run = await engine.start(parseLabYaml(LAB));
    await run.waitRunning(60000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  const node = (n: string) => engine.run("customk")!.node(n);
  const config = async (n: string) => {
    const r = await node(n).exec("zcat /proc/config.gz | grep -E '^(# )?CONFIG_(NET_SCH_CAKE|DUMMY|BLK_DEV_UBD|UML_NET_VDE)[= ]'");
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout.trim().split("\n").sort();
  };

  it("boots the node on the kernel it chose: the user's lines won, umlab's stayed", async () => {
    assert.equal((await node("c1").exec("uname -r")).stdout.trim(), kernel!.release);
    assert.deepEqual(await config("c1"), ["# CONFIG_DUMMY is not set", "CONFIG_BLK_DEV_UBD=y", "CONFIG_NET_SCH_CAKE=m", "CONFIG_UML_NET_VDE=y"]);
    assert.deepEqual(await config("f1"), ["# CONFIG_NET_SCH_CAKE is not set", "CONFIG_BLK_DEV_UBD=y", "CONFIG_DUMMY=m", "CONFIG_UML_NET_VDE=y"]);
  });

  it("has no dummy interfaces, where the fast kernel has them", async () => {
    assert.notEqual((await node("c1").exec("ip link add d0 type dummy")).exitCode, 0);
    const f = await node("f1").exec("ip link add d0 type dummy && ip link show d0");
    assert.equal(f.exitCode, 0, f.stdout + f.stderr);
  });

  it("loads sch_cake from its own modules disk, which the fast kernel lacks", async () => {
    const r = await node("c1").exec("modprobe sch_cake && cut -d' ' -f1 /proc/modules");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^sch_cake$/m);
    assert.notEqual((await node("f1").exec("modprobe sch_cake")).exitCode, 0);
  });

  it("talks to a node on another kernel over a switch", async () => {
    const r = await node("c1").exec("ping -c 2 -W 5 10.8.1.2");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });

  it("recorded the fragment's option it could not have as a warning", () => {
    assert.deepEqual(kernel!.warnings, ["CONFIG_IP_VS_PROTO_TCP=y was asked, but it is not set (a dependency is missing, or there is no such option for ARCH=um)"]);
  });

  it("refuses to start a lab on a custom kernel that is not built, before anything runs", async () => {
    const lab = parseLabYaml("umlab: 1\nname: nokernel\nnodes:\n  a:\n    kernel: nosuchk\n    eth: [sw1]\nswitches:\n  sw1: {}\n");
    await assert.rejects(engine.start(lab), { name: "KernelError", message: 'kernel "nosuchk" is not built: `umlab kernel build nosuchk --fragment FILE`' });
    assert.equal(engine.run("nokernel"), undefined);
    const run = labPaths(root, "nokernel").run;
    assert.ok(!existsSync(run) || processesIn(run).length === 0);
  });

  it("stops without leaving a process", async () => {
    const dir = engine.run("customk")!.paths.run;
    await engine.stop("customk");
    assert.deepEqual(processesIn(dir), []);
  });
});
