import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveLab } from "../../model/lab";
import { readFolder } from "../archive";
import { exportKathara, parseKathara } from "../kathara";
import { convertChecker, readCheckerText } from "./checker";

const FOLDER = join(import.meta.dirname, "..", "fixtures", "kathara", "graded");
const IMAGES = ["busybox", "kathara", "router", "host"];
const enc = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([p, t]) => [p, new TextEncoder().encode(t)]));

describe("kathara-lab-checker's configuration as umlab checks", () => {
  const imported = parseKathara(readFolder(FOLDER).files, { name: "graded", images: IMAGES });
  const lab = resolveLab(imported.raw);
  const byId = new Map(lab.checks.map((c) => [c.id, c]));

  it("is read from correction.yaml beside lab.conf: one check for each of the tool's verdicts", () => {
    assert.deepEqual(lab.checks.map((c) => c.id), [
      "ip-r1-eth1", "ip-r1-eth0", "ip-h1-eth0", // integer-like keys ("1") come first in a parsed mapping
      "daemon-r1-zebra", "daemon-r1-ospfd", "daemon-r1-bgpd", "daemon-r2-ospfd", "no-daemon-h1-httpd",
      "route-r1-10.0.2.0_24", "route-r1-192.168.99.0_24", "route-h1-0.0.0.0_0", "no-route-r2-192.168.99.0_24",
      "ospf-r1-2.2.2.2", "ospf-r2-1.1.1.1", "ospf-route-r2-10.0.1.0_24", "bgp-r1-10.0.12.2",
      "reach-h1-10.0.2.2", "no-reach-h1-10.9.9.9",
      "command-r1-1-exit", "command-h1-1-output", "command-r2-1-match",
    ]);
    assert.deepEqual(byId.get("ip-r1-eth1")!.test, { kind: "address", node: "r1", interface: "eth1", address: "10.0.12.1/24" });
    assert.deepEqual(byId.get("no-daemon-h1-httpd")!.test, { kind: "daemon", node: "h1", name: "httpd", running: false });
    assert.deepEqual(byId.get("route-r1-192.168.99.0_24")!.test, { kind: "route", node: "r1", to: "192.168.99.0/24", via: "10.0.12.2", dev: null, absent: false });
    assert.deepEqual(byId.get("no-route-r2-192.168.99.0_24")!.test, { kind: "route", node: "r2", to: "192.168.99.0/24", via: null, dev: null, absent: true });
    assert.deepEqual(byId.get("ospf-r1-2.2.2.2")!.test, { kind: "ospf", node: "r1", neighbor: "2.2.2.2", state: "Full" });
    assert.deepEqual(byId.get("bgp-r1-10.0.12.2")!.test, { kind: "bgp", node: "r1", peer: "10.0.12.2", asn: 65002, state: "Established" });
    assert.deepEqual(byId.get("no-reach-h1-10.9.9.9")!.test, { kind: "reach", node: "h1", to: "10.9.9.9", count: 3, reachable: false });
    assert.deepEqual(byId.get("command-h1-1-output")!.test, { kind: "command", node: "h1", argv: null, script: "cat /etc/motd", exit: null, stdout: "welcome to h1", pattern: null, timeout: 10 });
    assert.deepEqual(byId.get("ospf-route-r2-10.0.1.0_24")!.test, { kind: "command", node: "r2", argv: ["vtysh", "-c", "show ip ospf route json"], script: null, exit: 0, stdout: null, pattern: '"10\\.0\\.1\\.0/24"\\s*:', timeout: 10 });
    assert.ok(lab.checks.every((c) => c.points === 1 && !c.hidden && c.wait === 0));
  });

  it("warns about every key it does not carry over, and the lab imports otherwise as before", () => {
    const about = imported.warnings.filter((w) => w.startsWith("correction.yaml"));
    assert.deepEqual(about, [
      "correction.yaml: convergence_time is not used: checks run on the running lab when asked (a check's `wait:` retries it until then)",
      "correction.yaml: default_image is not used: the lab's own images are used",
      "correction.yaml: lab_inline is not used: the lab's structure (devices and collision domains) is not checked",
      "correction.yaml: test.requiring_startup is not supported by umlab's checks and was not imported",
      "correction.yaml: test.protocols.bgpd.networks is not supported by umlab's checks and was not imported",
      "correction.yaml: test.applications is not supported by umlab's checks and was not imported",
    ]);
    assert.ok(!imported.warnings.some((w) => /not part of a Kathará lab/.test(w)), imported.warnings.join("\n"));
    assert.equal(lab.nodes.find((n) => n.name === "h1")!.image, "busybox");
  });

  it("leaves out, with a warning, devices the lab lacks, unknown keys and entries that would not run", () => {
    const config = readCheckerText(
      JSON.stringify({ test: { daemons: { pc9: ["zebra"], r1: ["zebra", "-x"] }, reachability: { r1: ["10.0.0.1"] }, frobnicate: {}, protocols: { isisd: { neighbors: {} }, ospfd: { interfaces: {} } }, custom_commands: { r1: [{ command: "true", exit_code: 0, timeout: 3 }] } }, extra: 1 }),
      "correction.json",
    );
    const { checks, warnings } = convertChecker(config, "correction.json", (d) => (d === "r1" ? "r1" : null));
    assert.deepEqual(checks.map((c) => c.id), ["daemon-r1-zebra", "reach-r1-10.0.0.1", "command-r1-1-exit"]);
    assert.deepEqual(warnings, [
      "correction.json: unknown key extra was ignored",
      "correction.json: the lab has no device pc9: its checks were not imported",
      'correction.json: test.daemons.r1: -x (r1) was not imported: "-x" is not a process name',
      "correction.json: unknown key test.frobnicate was ignored",
      "correction.json: test.protocols.isisd.neighbors is not supported by umlab's checks and was not imported",
      "correction.json: test.protocols.ospfd.interfaces is not supported by umlab's checks and was not imported",
      "correction.json: test.custom_commands.r1[0]: unknown key timeout was ignored",
    ]);
    assert.throws(() => convertChecker(readCheckerText("a: [", "correction.yaml"), "correction.yaml", () => null), /correction\.yaml: neither JSON nor YAML/);
    assert.throws(() => convertChecker({ tests: {} }, "correction.json", () => null), /correction\.json: not a kathara-lab-checker configuration/);
  });

  it("a lab's checks go out in a Kathará export (checks.yaml) and come back unchanged", () => {
    const files = exportKathara(lab);
    assert.match(files["lab.conf"], /# umlab: checks\.yaml holds the lab's checks/);
    const again = resolveLab(parseKathara(enc(files), { name: "graded", images: IMAGES }).raw);
    assert.deepEqual(again.checks, lab.checks);
    const renamed = resolveLab({ name: "x", nodes: { "my-host": {} }, checks: [{ id: "a", daemon: { node: "my-host", name: "sshd" } }] });
    const back = resolveLab(parseKathara(enc(exportKathara(renamed)), { name: "x" }).raw);
    assert.deepEqual(back.checks, renamed.checks, "node names through Kathará's and back");
  });
});
