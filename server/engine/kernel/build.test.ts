import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, it } from "node:test";
import { buildSteps, checkConfig, kernelId, kernelPlan, normalizeFragment, PATCHES, type KernelPlan } from "./build";

const plan: KernelPlan = { id: "fast-abc", name: "fast", sourceVersion: "6.1.192-2", fragments: ["/src/umlab.config"], userFragment: null, dir: "/d/kernels/fast-abc", work: "/d/kernels/.build-fast-abc", log: "/d/kernels/fast-abc.log" };
const custom: KernelPlan = {
  id: "custom-mine-0123456789ab",
  name: "mine",
  sourceVersion: "6.1.192-2",
  fragments: ["/src/umlab.config", "/d/kernels/.build-custom-mine-0123456789ab/user.config"],
  userFragment: "CONFIG_NET_SCH_CAKE=m\n",
  dir: "/d/kernels/custom-mine-0123456789ab",
  work: "/d/kernels/.build-custom-mine-0123456789ab",
  log: "/d/kernels/custom-mine-0123456789ab.log",
};

describe("kernel builds (fast and custom)", () => {
  it("is a fixed list of argv steps, no shell", () => {
    assert.deepEqual(
      buildSteps(plan, 2).map((s) => [relative(plan.work, s.cwd) || ".", ...s.argv]),
      [
        [".", "tar", "-xJf", "/usr/src/linux-source-6.1.tar.xz"],
        ...PATCHES.map((p) => ["linux-source-6.1", "patch", "-p1", "--forward", "-i", p]),
        ["linux-source-6.1", "make", "ARCH=um", "defconfig"],
        ["linux-source-6.1", "scripts/kconfig/merge_config.sh", "-m", ".config", "/src/umlab.config"],
        ["linux-source-6.1", "make", "ARCH=um", "olddefconfig"],
        ["linux-source-6.1", "make", "ARCH=um", "-j2", "linux", "modules"],
        ["linux-source-6.1", "make", "ARCH=um", "modules_install", "INSTALL_MOD_PATH=../stage", "INSTALL_MOD_STRIP=1", "DEPMOD=/sbin/depmod"],
      ],
    );
  });

  it("merges a custom kernel's fragment after umlab's, in one merge_config.sh, so the user's lines win", () => {
    const steps = buildSteps(custom, 2);
    assert.deepEqual(steps.map((s) => s.argv), [
      ["tar", "-xJf", "/usr/src/linux-source-6.1.tar.xz"],
      ...PATCHES.map((p) => ["patch", "-p1", "--forward", "-i", p]),
      ["make", "ARCH=um", "defconfig"],
      ["scripts/kconfig/merge_config.sh", "-m", ".config", "/src/umlab.config", "/d/kernels/.build-custom-mine-0123456789ab/user.config"],
      ["make", "ARCH=um", "olddefconfig"],
      ["make", "ARCH=um", "-j2", "linux", "modules"],
      ["make", "ARCH=um", "modules_install", "INSTALL_MOD_PATH=../stage", "INSTALL_MOD_STRIP=1", "DEPMOD=/sbin/depmod"],
    ]);
    assert.equal(steps[2 + PATCHES.length].label, "merging umlab's configuration and yours");
    assert.deepEqual(
      PATCHES.map((p) => basename(p)),
      ["um-line-throttle.patch", "um-line-read-irqsave.patch"],
      "every kernel umlab builds has UML's serial lines fixed, in this order (serial-cable.int.test.ts)",
    );
    assert.ok(steps.slice(1).every((s) => s.cwd === join(custom.work, "linux-source-6.1")));
  });

  it("starts from a tree another build compiled: no unpacking or patching, the configuration made anew, then kbuild's own remake", () => {
    const steps = buildSteps(custom, 2, true);
    assert.deepEqual(steps.map((s) => s.argv[0] === "make" ? s.argv.slice(0, 3).join(" ") : s.argv[0]), ["make ARCH=um defconfig", "scripts/kconfig/merge_config.sh", "make ARCH=um olddefconfig", "make ARCH=um -j2", "make ARCH=um modules_install"]);
    assert.ok(steps.every((s) => s.cwd === join(custom.work, "linux-source-6.1")));
  });

  it("names kernels by what they are built from: fast-<hash>, custom-<name>-<hash>", () => {
    // The fast kernel's id is what it always was: built kernels stay current.
    const fastHash = createHash("sha256").update("v1\nlinux-source-6.1 6.1.192-2\nCONFIG_A=y\n").digest("hex").slice(0, 12);
    assert.equal(kernelId("6.1.192-2", "CONFIG_A=y\n", null), `fast-${fastHash}`);
    const mine = kernelId("6.1.192-2", "CONFIG_A=y\n", { name: "mine", fragment: "CONFIG_B=m\n" });
    assert.match(mine, /^custom-mine-[0-9a-f]{12}$/);
    assert.notEqual(mine.slice(-12), fastHash);
    assert.equal(kernelId("6.1.192-2", "CONFIG_A=y\n", { name: "mine", fragment: "CONFIG_B=m\n" }), mine, "the same inputs, the same kernel");
    for (const other of [
      kernelId("6.1.192-2", "CONFIG_A=y\n", { name: "mine", fragment: "CONFIG_B=y\n" }),
      kernelId("6.1.193-1", "CONFIG_A=y\n", { name: "mine", fragment: "CONFIG_B=m\n" }),
      kernelId("6.1.192-2", "CONFIG_A=m\n", { name: "mine", fragment: "CONFIG_B=m\n" }),
    ])
      assert.notEqual(other, mine, "another source, umlab fragment or user fragment is another kernel");
    assert.notEqual(kernelId("6.1.192-2", "CONFIG_A=y\n", null, "a patch\n"), `fast-${fastHash}`, "a changed patch is another kernel");
    assert.equal(normalizeFragment("CONFIG_B=m\r\n\r\n"), "CONFIG_B=m\n");
  });

  it("refuses a custom kernel with a bad name or fragment line before building anything", () => {
    for (const name of ["fast", "debian", "Mine", "9lives", ""]) assert.throws(() => kernelPlan("/nonexistent", { name, fragment: "CONFIG_A=y" }), { name: "KernelNameError" }, name);
    assert.throws(() => kernelPlan("/nonexistent", { name: "mine", fragment: "CONFIG_A=y\nCONFIG_B = y\n" }), { name: "FragmentError", message: /line 2: "CONFIG_B = y"/ });
  });

  it("refuses a configuration that selects the slow boot-time benchmarks, saying where to fix it", () => {
    assert.doesNotThrow(() => checkConfig("CONFIG_EXT4_FS=y\n# CONFIG_RAID6_PQ is not set\n"));
    assert.throws(() => checkConfig("CONFIG_RAID6_PQ=m\nCONFIG_XOR_BLOCKS=m\n"), { name: "KernelBuildError", message: /CONFIG_RAID6_PQ and CONFIG_XOR_BLOCKS.*leave it out in umlab\.config/ });
    assert.throws(() => checkConfig("CONFIG_XOR_BLOCKS=y\n", true), { message: /CONFIG_XOR_BLOCKS.*leave it out in your fragment/ });
  });

  it("refuses kernel stacks in vmalloc space (guests hang at boot with them)", () => {
    assert.doesNotThrow(() => checkConfig("# CONFIG_VMAP_STACK is not set\n"));
    assert.throws(() => checkConfig("CONFIG_VMAP_STACK=y\n", true), { name: "KernelBuildError", message: /CONFIG_VMAP_STACK.*leave it out in your fragment/ });
  });

  it("refuses hostfs, ours or a user's, built in or as a module (guest root could mount host folders)", () => {
    assert.doesNotThrow(() => checkConfig("# CONFIG_HOSTFS is not set\n"));
    assert.throws(() => checkConfig("CONFIG_HOSTFS=y\n"), { name: "KernelBuildError", message: /CONFIG_HOSTFS.*leave it out in umlab\.config/ });
    assert.throws(() => checkConfig("CONFIG_EXT4_FS=y\nCONFIG_HOSTFS=m\n", true), { name: "KernelBuildError", message: /CONFIG_HOSTFS.*leave it out in your fragment/ });
  });

  it("keeps what labs need and leaves out what makes boot slow or reaches the host", () => {
    const fragment = readFileSync(join(import.meta.dirname, "umlab.config"), "utf8");
    const on = (o: string) => new RegExp(`^CONFIG_${o}=[ym]$`, "m").test(fragment);
    for (const o of ["BLK_DEV_UBD", "MCONSOLE", "SSL", "UML_NET_VDE", "UML_NET_DAEMON", "UML_NET_VECTOR", "UML_NET_SLIRP", "IPV6", "IP_ROUTE_MULTIPATH", "BRIDGE", "VLAN_8021Q", "NET_SCH_NETEM", "NF_TABLES", "IP_NF_IPTABLES", "NFSD", "NFS_FS", "SOFT_WATCHDOG", "MODULES"])
      assert.ok(on(o), `CONFIG_${o} must be on`);
    for (const o of ["BTRFS_FS", "MD", "UML_SOUND", "SOUND", "XFS_FS", "VMAP_STACK", "HOSTFS"]) assert.match(fragment, new RegExp(`^# CONFIG_${o} is not set$`, "m"));
    assert.doesNotMatch(fragment, /^CONFIG_(RAID6_PQ|XOR_BLOCKS)=/m);
  });
});
