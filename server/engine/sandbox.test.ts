import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Switch } from "../model/lab";
import { resolveLab } from "../model/lab";
import { gatewaySandbox } from "./gateway/gateway-process";
import { allowedHostPorts } from "./gateway/host-guard";
import { helperSandbox, passwdEntry, sandboxArgv, type SandboxHost } from "./sandbox";
import { guestSandbox } from "./uml/guest-process";
import { checkConfigRequest } from "./uml/mconsole";

const asRoot: SandboxHost = { bwrap: "/usr/bin/bwrap", setpriv: "/usr/bin/setpriv", user: { uid: 999, gid: 995 } };
const asUser: SandboxHost = { ...asRoot, user: null };
const FS = ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin", "--proc", "/proc"];
const DEV = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"].flatMap((d) => ["--dev-bind", d, d]);
const TMP = ["--tmpfs", "/dev/shm", "--tmpfs", "/tmp"];
const RUN = "/d/labs/one/run";
const DISKS = "/d/labs/one/disks";

describe("the sandbox of a lab's host processes", () => {
  it("runs a guest as the sandbox user, seeing /usr, its kernel, image, modules disk and helper read-only and its lab's run directory and disks read-write", () => {
    const lab = resolveLab({ name: "one", nodes: { pc1: { eth: ["sw1", null] } }, switches: { sw1: {} } });
    const launch = {
      kernel: "/k/fast-abc/linux",
      lab: "one",
      node: lab.nodes[0],
      cow: `${DISKS}/pc1.cow`,
      image: "/i/busybox.img",
      modulesDisk: "/k/modules-fast.img",
      agentTty: "/dev/pts/7",
      serialTtys: new Map([[2, "/dev/pts/8"]]),
      disks: [],
      lpj: 1,
      switches: new Map(lab.switches.map((s) => [s.name, s])),
      ports: new Map([[0, 2]]),
    };
    const spec = guestSandbox(launch, { cwd: RUN, disksDir: DISKS, shim: "/d/tools/x.so" }, ["/usr/bin/setarch", "x86_64", "-R", "/k/fast-abc/linux", "ubd0=…"]);
    assert.deepEqual(sandboxArgv(spec, asRoot), [
      "/usr/bin/setpriv", "--reuid=999", "--regid=995", "--clear-groups",
      "/usr/bin/bwrap", "--die-with-parent", "--unshare-all", "--unshare-user",
      ...FS, ...DEV, "--dev-bind", "/dev/pts/7", "/dev/pts/7", "--dev-bind", "/dev/pts/8", "/dev/pts/8", ...TMP,
      "--ro-bind", "/k/fast-abc/linux", "/k/fast-abc/linux", "--ro-bind", "/i/busybox.img", "/i/busybox.img", "--ro-bind", "/k/modules-fast.img", "/k/modules-fast.img", "--ro-bind", "/d/tools/x.so", "/d/tools/x.so",
      "--bind", RUN, RUN, "--bind", DISKS, DISKS,
      "--chdir", RUN, "--clearenv",
      "--setenv", "PATH", "/usr/sbin:/usr/bin", "--setenv", "HOME", RUN, "--setenv", "TMPDIR", "/dev/shm", "--setenv", "LD_PRELOAD", "/d/tools/x.so", "--setenv", "UMLAB_RAW_STDIN", "1",
      "--", "/usr/bin/setarch", "x86_64", "-R", "/k/fast-abc/linux", "ubd0=…",
    ]);
    // Not root: the server's own uid in a user namespace; the console keeps its session (no --new-session) either way.
    const own = sandboxArgv(spec, asUser);
    assert.deepEqual(own.slice(0, 5), ["/usr/bin/bwrap", "--die-with-parent", "--unshare-all", "--unshare-user", "--ro-bind"]);
    assert.ok(!own.includes("--new-session") && !own.includes("--share-net"));
  });

  it("gives a guest on a uml_switch the host's network namespace (uml_switch and UML's daemon transport talk over abstract sockets)", () => {
    const lab = resolveLab({ name: "one", nodes: { pc1: { eth: ["vde1", "old"] } }, switches: { vde1: {}, old: { kind: "uml_switch" } } });
    const switches = new Map<string, Switch>(lab.switches.map((s) => [s.name, s]));
    const launch = { kernel: "/k", lab: "one", node: lab.nodes[0], cow: "/c", image: "/i", modulesDisk: null, agentTty: "/dev/pts/1", serialTtys: new Map(), disks: [], lpj: 1, switches, ports: new Map() };
    assert.equal(guestSandbox(launch, { cwd: RUN, disksDir: DISKS, shim: "/s" }, ["/k"]).net, "host");
    assert.ok(sandboxArgv(guestSandbox(launch, { cwd: RUN, disksDir: DISKS, shim: "/s" }, ["/k"]), asRoot).includes("--share-net"));
  });

  it("runs a switch or wirefilter in a session of its own with its run directory and nothing of the host's network", () => {
    assert.deepEqual(sandboxArgv(helperSandbox(["/usr/bin/vde_switch", "--sock", "sw/sw1"], RUN), asRoot), [
      "/usr/bin/setpriv", "--reuid=999", "--regid=995", "--clear-groups",
      "/usr/bin/bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--unshare-user",
      ...FS, ...DEV, ...TMP,
      "--bind", RUN, RUN, "--chdir", RUN, "--clearenv", "--setenv", "PATH", "/usr/sbin:/usr/bin", "--setenv", "HOME", RUN,
      "--", "/usr/bin/vde_switch", "--sock", "sw/sw1",
    ]);
  });

  it("keeps a host tap switch root with CAP_NET_ADMIN in the host's user and network namespaces, and nothing else of the host's", () => {
    assert.deepEqual(sandboxArgv(helperSandbox(["/usr/bin/vde_switch", "--tap", "tap0"], RUN, { net: "host-tap" }), asRoot), [
      "/usr/bin/bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "CAP_NET_ADMIN",
      ...FS, ...DEV, "--dev-bind", "/dev/net/tun", "/dev/net/tun", ...TMP,
      "--bind", RUN, RUN, "--chdir", RUN, "--clearenv", "--setenv", "PATH", "/usr/sbin:/usr/bin", "--setenv", "HOME", RUN,
      "--", "/usr/bin/vde_switch", "--tap", "tap0",
    ]);
  });

  it("gives a gateway the host's network, the host's resolv.conf and the host guard with the ports the lab opened", () => {
    const argv = sandboxArgv(gatewaySandbox(["/usr/bin/slirpvde", "-s", "sw/lan[3]"], RUN, "/d/tools/guard.so", [8080], "nameserver 127.0.0.53\n"), asRoot);
    assert.deepEqual(argv.slice(4, 10), ["/usr/bin/bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--unshare-user", "--share-net"]);
    const tail = argv.slice(argv.indexOf("/tmp") + 1);
    assert.deepEqual(tail, [
      "--ro-bind", "/d/tools/guard.so", "/d/tools/guard.so", "--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf",
      "--bind", RUN, RUN, "--chdir", RUN, "--clearenv", "--setenv", "PATH", "/usr/sbin:/usr/bin", "--setenv", "HOME", RUN,
      "--setenv", "LD_PRELOAD", "/d/tools/guard.so", "--setenv", "UMLAB_HOST_PORTS", "8080,53",
      "--", "/usr/bin/slirpvde", "-s", "sw/lan[3]",
    ]);
  });

  it("opens DNS on the host's loopback only when the host's resolver is there", () => {
    assert.deepEqual(allowedHostPorts([], "# x\nnameserver 10.255.255.53\n"), []);
    assert.deepEqual(allowedHostPorts([], "nameserver 127.0.0.53\n"), [53]);
    assert.deepEqual(allowedHostPorts([53, 8080], "nameserver ::1\n"), [53, 8080]);
    assert.deepEqual(allowedHostPorts([5432], null), [5432]);
  });

  it("finds the sandbox user in /etc/passwd", () => {
    assert.deepEqual(passwdEntry("root:x:0:0:root:/root:/bin/bash\numlab:x:999:995::/nonexistent:/usr/sbin/nologin\n", "umlab"), { uid: 999, gid: 995 });
    assert.equal(passwdEntry("root:x:0:0:root:/root:/bin/bash\n", "umlab"), null);
  });
});

describe("machine console config requests", () => {
  const dir = mkdtempSync(join(tmpdir(), "umlab-mc-"));
  const labDir = join(dir, "labs", "one");
  const run = join(labDir, "run");
  mkdirSync(run, { recursive: true });
  mkdirSync(join(labDir, "disks"));
  writeFileSync(join(labDir, "disks", "extra.img"), "");
  writeFileSync(join(dir, "outside.img"), "");
  mkdirSync(join(dir, "labs", "other"));
  writeFileSync(join(dir, "labs", "other", "disk.img"), "");
  symlinkSync(join(dir, "outside.img"), join(labDir, "disks", "sneaky.img"));
  const check = (device: string, value?: string) => () => checkConfigRequest({ op: "config", device, value }, run, labDir);

  it("lets a disk of the node's own lab in, by absolute or run-relative path, and disk queries", () => {
    assert.doesNotThrow(check("ubd3", join(labDir, "disks", "extra.img")));
    assert.doesNotThrow(check("ubd3r", "../disks/extra.img"));
    assert.doesNotThrow(check("ubd0"));
  });

  it("refuses any other device, a file outside the lab (by path, by .. or through a symlink), a COW pair and a folder", () => {
    const refused = { name: "MconsoleError" };
    for (const [device, value] of [["eth1", "vde,/tmp/sw"], ["eth1", undefined], ["ssl2", "tty:/dev/tty1"], ["con1", "port:9000"], ["con0", undefined]] as const)
      assert.throws(check(device, value), { ...refused, message: /only disks/ }, `${device}=${value}`);
    assert.throws(check("ubd3", join(dir, "outside.img")), { ...refused, message: /outside the lab's folder/ });
    assert.throws(check("ubd3", "../../other/disk.img"), { ...refused, message: /outside the lab's folder/ });
    assert.throws(check("ubd3", "/etc/shadow"), { ...refused, message: /outside the lab's folder/ });
    assert.throws(check("ubd3", "../disks/sneaky.img"), { ...refused, message: /outside the lab's folder/ });
    assert.throws(check("ubd3", "../disks/extra.img,/etc/shadow"), { ...refused, message: /not one file name/ });
    assert.throws(check("ubd3", "../disks"), { ...refused, message: /not a file/ });
    assert.throws(check("ubd3", "../disks/missing.img"), { ...refused, message: /does not exist/ });
    rmSync(dir, { recursive: true, force: true });
  });
});
