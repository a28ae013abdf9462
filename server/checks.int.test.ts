import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { CheckReport, ChecksView } from "./api/check-service";
import type { LabDetail } from "./api/lab-service";
import type { RawCheck } from "./model/check-schema";
import { request, umlab, until } from "./test-support";

// The graded exercise (a Kathará folder: two FRR routers with OSPF and eBGP,
// a busybox host, and its kathara-lab-checker file) on real UML guests:
// imported with the CLI, its correction.yaml becomes its checks; the
// hand-written checks of server/checks/fixtures/graded-checks.yaml (every
// kind of test) run beside them. All pass on the lab as written; broken over
// the exec channel (a route deleted, ospfd killed, a BGP session shut, an
// address deleted, files changed, a web server started), each fails with
// what was seen, and each imported check gives the verdict of its
// hand-written twin.

const FOLDER = join(import.meta.dirname, "labfile", "fixtures", "kathara", "graded");
const HAND = (parse(readFileSync(join(import.meta.dirname, "checks", "fixtures", "graded-checks.yaml"), "utf8")) as { checks: RawCheck[] }).checks;

/** Each check imported from correction.yaml, and the hand-written check that asks the same. */
const TWINS: Record<string, string> = {
  "ip-r1-eth0": "r1-eth0",
  "ip-r1-eth1": "r1-eth1",
  "ip-h1-eth0": "h1-eth0",
  "daemon-r1-zebra": "r1-zebra",
  "daemon-r1-ospfd": "r1-ospfd",
  "daemon-r1-bgpd": "r1-bgpd",
  "daemon-r2-ospfd": "r2-ospfd",
  "no-daemon-h1-httpd": "h1-no-httpd",
  "route-r1-10.0.2.0_24": "r1-learns-lan2",
  "route-r1-192.168.99.0_24": "r1-static",
  "route-h1-0.0.0.0_0": "h1-default",
  "no-route-r2-192.168.99.0_24": "r2-no-static",
  "ospf-r1-2.2.2.2": "r1-ospf",
  "ospf-r2-1.1.1.1": "r2-ospf",
  "ospf-route-r2-10.0.1.0_24": "r2-ospf-route",
  "bgp-r1-10.0.12.2": "r1-bgp",
  "reach-h1-10.0.2.2": "h1-reaches-r2",
  "no-reach-h1-10.9.9.9": "h1-no-route-out",
  "command-r1-1-exit": "r1-pings-h1",
  "command-h1-1-output": "h1-motd-cat",
  "command-r2-1-match": "r2-router-id",
};

/** What each hand-written check says once the lab is broken; those not listed still pass. */
const BROKEN: Record<string, RegExp> = {
  "h1-reaches-r2": /^ping 10\.0\.2\.2 from h1: (Network is unreachable|100% loss)$/,
  "h1-default": /^no route to default in h1's table$/,
  "r1-learns-lan2": /^no route to 10\.0\.2\.0\/24 in r1's table$/,
  "r2-no-static": /^r2 has a route to 192\.168\.99\.0\/24 \(via 10\.0\.12\.1 dev eth0\)$/,
  "r1-ospf": /^r1 has no OSPF neighbour 2\.2\.2\.2 \(it has: none\)$/,
  "r2-ospf": /^vtysh on r2: .*ospfd/,
  "r1-bgp": /^r1's BGP peer 10\.0\.12\.2 is Idle \(Admin\), not Established$/,
  "r2-ospfd": /^ospfd is not running on r2$/,
  "h1-no-httpd": /^httpd runs on h1 \(1 process\)$/,
  "r1-eth0": /^r1's eth0 has no 10\.0\.1\.1\/24 \(it has: none\)$/,
  "h1-motd": /^h1:\/etc\/motd differs from the expected text at line 1: "changed by the student"$/,
  "r2-frr-conf": /^r2:\/etc\/frr\/frr\.conf does not match \/\^router ospf\$\/$/,
  "r1-pings-h1": /^`ping -c 1 -W 1 10\.0\.1\.10` on r1 exited [12], not 0/,
  "r2-router-id": /^`vtysh -c show running-config` on r2 printed no match for \/ospf router-id 2\\\.2\\\.2\\\.2\//,
  "h1-motd-cat": /^`cat \/etc\/motd` on h1 printed "changed by the student", not the expected output$/,
  "r2-ospf-route": /on r2 (exited|printed no match)/,
};

describe("checks on a graded exercise (real UML guests, FRR): every kind passes, then fails with its reason; kathara-lab-checker's file gives the same verdicts", () => {
  let server: LabServer | undefined;
  let url = "";
  const req = (method: string, path: string, body?: unknown) => request(url, method, path, body);
  const run = async (body: unknown = {}) => {
    const res = await req("POST", "/api/labs/graded/checks/run", body);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as CheckReport;
  };
  const exec = async (node: string, script: string) => {
    const res = await req("POST", `/api/labs/graded/nodes/${node}/exec`, { script });
    const r = (await res.json()) as { exitCode: number; stdout: string; stderr: string };
    assert.equal(r.exitCode, 0, `${node}: ${script}: ${r.stdout}${r.stderr}`);
  };
  const verdicts = (r: CheckReport) => new Map(r.results.map((x) => [x.id, x]));
  const sameAsTwins = (r: CheckReport) => {
    const v = verdicts(r);
    for (const [imported, hand] of Object.entries(TWINS)) assert.equal(v.get(imported)?.passed, v.get(hand)?.passed, `${imported} (${v.get(imported)?.reason}) and ${hand} (${v.get(hand)?.reason})`);
  };

  before(async () => {
    server = await startLabServer({ samples: false, name: "checks" });
    url = server.url;
    const imported = umlab(url, ["import", FOLDER, "--name", "graded"]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stderr + imported.stdout, /correction\.yaml: test\.requiring_startup is not supported/);
    // The hand-written checks join the imported ones (a change a running lab needs nothing for).
    const detail = (await (await req("GET", "/api/labs/graded")).json()) as LabDetail;
    const put = await req("PUT", "/api/labs/graded", { lab: { ...detail.lab, checks: [...(detail.lab.checks ?? []), ...HAND] } });
    assert.equal(put.status, 200, await put.text());
    const started = umlab(url, ["start", "graded"]);
    assert.equal(started.status, 0, started.stderr);
  });

  after(async () => {
    await server?.stop();
  });

  it("lists the checks, without how they test", async () => {
    const view = (await (await req("GET", "/api/labs/graded/checks")).json()) as ChecksView;
    assert.equal(view.checks.length, Object.keys(TWINS).length + HAND.length);
    assert.deepEqual(view.checks.find((c) => c.id === "r1-ospf"), { id: "r1-ospf", description: "r1 has OSPF neighbour 2.2.2.2 in state Full", points: 3, kind: "ospf", node: "r1", hidden: false });
  });

  it("passes every check on the lab as written", async () => {
    const t0 = performance.now();
    const { value: report, ms } = await until("every check passes", 120_000, async () => {
      const r = await run();
      const failed = r.results.filter((x) => !x.passed);
      console.log(`+${((performance.now() - t0) / 1000).toFixed(1)} s: ${failed.length ? failed.map((x) => `${x.id} (${x.reason})`).join("; ") : "all passed"}`);
      return failed.length ? null : r;
    }, 1000);
    console.log(`converged and checked in ${(ms / 1000).toFixed(1)} s`);
    assert.equal(report.points, report.maxPoints);
    assert.equal(report.maxPoints, Object.keys(TWINS).length + HAND.reduce((a, c) => a + (c.points ?? 1), 0));
    const v = verdicts(report);
    assert.equal(v.get("h1-reaches-r2")!.reason, "ping 10.0.2.2 from h1: 0% loss");
    assert.equal(v.get("r1-learns-lan2")!.reason, "r1 routes 10.0.2.0/24 via 10.0.12.2 dev eth1");
    assert.equal(v.get("r1-bgp")!.reason, "r1's BGP peer 10.0.12.2 is Established");
    assert.ok(report.results.every((x) => !x.hint), "no hint for a passed check");
    sameAsTwins(report);
  });

  it("fails each check the student broke, saying what it saw, with its hint; the imported checks agree", async () => {
    await exec("h1", "ip route del default");
    await exec("h1", "echo 'changed by the student' > /etc/motd");
    await exec("h1", "httpd -p 8080");
    await exec("r2", 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = ospfd ] && kill ${p#/proc/}; done; true');
    await exec("r2", "ip route add 192.168.99.0/24 via 10.0.12.1");
    await exec("r2", "sed -i 's/^router ospf$/router ospf 1/' /etc/frr/frr.conf");
    await exec("r1", "vtysh -c 'configure terminal' -c 'router bgp 65001' -c 'neighbor 10.0.12.2 shutdown'");
    await exec("r1", "ip addr del 10.0.1.1/24 dev eth0");
    const { value: report } = await until("the broken checks fail", 90_000, async () => {
      const r = await run();
      const v = verdicts(r);
      // Until every broken check fails and each imported twin agrees: ospfd's neighbour goes away within the dead interval, seen by one check a moment before the other.
      const agree = Object.entries(TWINS).every(([imported, hand]) => v.get(imported)?.passed === v.get(hand)?.passed);
      return Object.keys(BROKEN).every((id) => v.get(id)?.passed === false) && agree ? r : null;
    }, 1000);
    const v = verdicts(report);
    for (const c of HAND) {
      const r = v.get(c.id)!;
      if (BROKEN[c.id]) {
        assert.equal(r.passed, false, c.id);
        assert.match(r.reason, BROKEN[c.id], c.id);
        assert.equal(r.points, 0);
      } else assert.equal(r.passed, true, `${c.id} still passes: ${r.reason}`);
    }
    assert.equal(v.get("h1-reaches-r2")!.hint, "h1 needs a default route through r1, and r2 a route back");
    assert.equal(v.get("r1-ospf")!.hint, "run ospfd on both routers, with the core network in area 0");
    sameAsTwins(report);
  });

  it("umlab check prints the table and exits 1 on a failure; --json gives the report; --import sets the checks from a checker file", async () => {
    const table = umlab(url, ["check", "graded"]);
    assert.equal(table.status, 1, table.stderr);
    assert.match(table.stdout, /^ID +RESULT +POINTS +REASON$/m);
    assert.match(table.stdout, /^r1-ospf +FAIL +0\/3 +r1 has no OSPF neighbour 2\.2\.2\.2/m);
    assert.match(table.stdout, /^r1-static +PASS +1\/1 /m);
    assert.match(table.stdout, /hint for h1-reaches-r2: h1 needs a default route/);
    assert.match(table.stdout, /graded: \d+ of \d+ checks passed, \d+\/\d+ points$/m);
    const json = umlab(url, ["check", "graded", "--json"]);
    assert.equal(json.status, 1);
    assert.equal((JSON.parse(json.stdout) as CheckReport).lab, "graded");
    const imp = umlab(url, ["check", "graded", "--import", join(FOLDER, "correction.yaml")]);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /graded: 21 checks from .*correction\.yaml/);
    assert.match(imp.stderr, /warning: correction\.yaml: test\.applications is not supported/);
    const view = (await (await req("GET", "/api/labs/graded/checks")).json()) as ChecksView;
    assert.deepEqual(view.checks.map((c) => c.id).sort(), Object.keys(TWINS).sort());
  });

  it("hides hidden checks unless asked by a teacher; a stopped node fails its checks, saying so", async () => {
    const detail = (await (await req("GET", "/api/labs/graded")).json()) as LabDetail;
    const checks = [...(detail.lab.checks ?? []), { id: "secret", hidden: true, daemon: { node: "h1", name: "httpd", running: false } }];
    assert.equal((await req("PUT", "/api/labs/graded", { lab: { ...detail.lab, checks } })).status, 200);
    const view = (await (await req("GET", "/api/labs/graded/checks")).json()) as ChecksView;
    assert.equal(view.hidden, 1);
    assert.ok(!view.checks.some((c) => c.id === "secret"));
    assert.equal((await req("POST", "/api/labs/graded/nodes/h1/stop")).status, 200);
    const shown = await run();
    assert.ok(!shown.results.some((r) => r.id === "secret"));
    const all = await run({ hidden: true });
    const secret = all.results.find((r) => r.id === "secret")!;
    assert.deepEqual([secret.passed, secret.reason], [false, "h1 is not running (stopped)"]);
    for (const r of all.results.filter((x) => /-h1-/.test(x.id))) assert.equal(r.reason, "h1 is not running (stopped)", r.id);
  });
});
