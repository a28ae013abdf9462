import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { buildSteps, type KernelPlan } from "./build";

const plan: KernelPlan = { id: "fast-abc", sourceVersion: "6.1.192-2", fragment: "/src/umlab.config", dir: "/d/kernels/fast-abc", work: "/d/kernels/.build-fast-abc", log: "/d/kernels/fast-abc.log" };

describe("the fast kernel's build", () => {
  it("is a fixed list of argv steps, no shell", () => {
    assert.deepEqual(
      buildSteps(plan, 2).map((s) => [relative(plan.work, s.cwd) || ".", ...s.argv]),
      [
        [".", "tar", "-xJf", "/usr/src/linux-source-6.1.tar.xz"],
        ["linux-source-6.1", "make", "ARCH=um", "defconfig"],
        ["linux-source-6.1", "scripts/kconfig/merge_config.sh", "-m", ".config", "/src/umlab.config"],
        ["linux-source-6.1", "make", "ARCH=um", "olddefconfig"],
        ["linux-source-6.1", "make", "ARCH=um", "-j2", "linux", "modules"],
        ["linux-source-6.1", "make", "ARCH=um", "modules_install", "INSTALL_MOD_PATH=../stage", "INSTALL_MOD_STRIP=1", "DEPMOD=/sbin/depmod"],
      ],
    );
  });

  it("keeps what labs need and leaves out what makes boot slow", () => {
    const fragment = readFileSync(join(import.meta.dirname, "umlab.config"), "utf8");
    const on = (o: string) => new RegExp(`^CONFIG_${o}=[ym]$`, "m").test(fragment);
    for (const o of ["BLK_DEV_UBD", "HOSTFS", "MCONSOLE", "SSL", "UML_NET_VDE", "UML_NET_DAEMON", "UML_NET_VECTOR", "UML_NET_SLIRP", "IPV6", "IP_ROUTE_MULTIPATH", "BRIDGE", "VLAN_8021Q", "NET_SCH_NETEM", "NF_TABLES", "IP_NF_IPTABLES", "NFSD", "NFS_FS", "SOFT_WATCHDOG", "MODULES"])
      assert.ok(on(o), `CONFIG_${o} must be on`);
    for (const o of ["BTRFS_FS", "MD", "UML_SOUND", "SOUND", "XFS_FS"]) assert.match(fragment, new RegExp(`^# CONFIG_${o} is not set$`, "m"));
    assert.doesNotMatch(fragment, /^CONFIG_(RAID6_PQ|XOR_BLOCKS)=/m);
  });
});
