import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LabDefinitionError, formatProblem, type Problem } from "../model/errors";
import { resolveLab, type Lab, type RawLab } from "../model/lab";
import { readFolder } from "./archive";
import { exportKathara, parseKathara, suggestLabName, type KatharaOptions } from "./kathara";

const fixture = (name: string) => readFolder(join(import.meta.dirname, "fixtures", "kathara", name)).files;
const files = (texts: Record<string, string | Uint8Array>) => Object.fromEntries(Object.entries(texts).map(([p, t]) => [p, Buffer.from(t)]));

function problemsOf(input: Record<string, Uint8Array>, options: KatharaOptions = { name: "x" }): Problem[] {
  try {
    parseKathara(input, options);
  } catch (e) {
    assert.ok(e instanceof LabDefinitionError, `expected a LabDefinitionError, got ${e}`);
    return e.problems;
  }
  assert.fail("the lab was imported without a problem");
}

const hasProblem = (problems: Problem[], file: string, line: number | undefined, message: RegExp) =>
  assert.ok(
    problems.some((p) => p.file === file && p.line === line && message.test(p.message)),
    `no problem at ${file}:${line} matching ${message}: ${problems.map(formatProblem).join("\n")}`,
  );
const hasWarning = (warnings: string[], message: RegExp) => assert.ok(warnings.some((w) => message.test(w)), `no warning matching ${message}:\n${warnings.join("\n")}`);

/** What Kathará cannot carry, set to what an import gives: the rest must come back as it was. */
function katharaEquivalent(lab: Lab): Lab {
  const used = new Set(lab.nodes.flatMap((n) => n.interfaces.map((i) => i.switch)));
  return {
    ...lab,
    kernel: null,
    nodes: lab.nodes.map((n) => ({ ...n, image: "kathara", kernel: null, pos: null })),
    gateways: lab.gateways.map((g) => ({ ...g, pos: null })),
    switches: lab.switches
      .filter((s) => used.has(s.name))
      .map((s) => ({ ...s, kind: "vde" as const, mode: "switch" as const, pos: null }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function roundTrip(lab: Lab): { lab: Lab; warnings: string[] } {
  const exported = exportKathara(lab);
  const back = parseKathara(files(exported), { name: lab.name });
  const resolved = resolveLab(back.raw);
  return { lab: { ...resolved, switches: [...resolved.switches].sort((a, b) => a.name.localeCompare(b.name)) }, warnings: back.warnings };
}

describe("Kathará lab folders", () => {
  it("imports a lab: nodes, collision domains, options, startups, files, shared, lab.dep", () => {
    const { raw, warnings } = parseKathara(fixture("triangle"), { name: "triangle" });
    const lab = resolveLab(raw);
    assert.equal(lab.description, "Three routers in a triangle and a host (version 1.0, by Kathara Authors, contact@kathara.org, http://www.kathara.org/)");
    assert.deepEqual(lab.nodes.map((n) => n.name), ["r1", "r2", "r3", "pc-1"]);
    assert.deepEqual(lab.switches.map((s) => [s.name, s.kind, s.mode]), [["a", "vde", "switch"], ["b", "vde", "switch"], ["lan-1", "vde", "switch"], ["c", "vde", "switch"], ["bridged", "vde", "switch"]]);
    assert.deepEqual(lab.gateways, [{ name: "internet", switch: "bridged", dhcp: true, forward: [], hostPorts: [], pos: null }], "pc_1[bridged]=true");
    const [r1, r2, r3, pc1] = lab.nodes;
    assert.deepEqual(lab.nodes.map((n) => [n.role, n.image]), [["router", "kathara"], ["router", "kathara"], ["router", "kathara"], ["host", "kathara"]]);
    assert.deepEqual(r1.interfaces.map((i) => i.switch), ["a", "b", "lan-1"]);
    assert.deepEqual(r2.interfaces.map((i) => i.switch), ["b", "c"]);
    assert.deepEqual(pc1.interfaces.map((i) => i.switch), ["lan-1", "bridged"]);
    assert.equal(pc1.startup, "udhcpc -i eth1 -q -n -t 5 -T 1\nip address add 192.168.0.2/24 dev eth0\nip route add default via 192.168.0.1\n", "DHCP on the bridged interface first");
    assert.equal(r1.memoryMiB, 256);
    assert.equal(r2.memoryMiB, 128, "no mem in lab.conf: what FRR needs");
    assert.match(r1.startup, /^sysctl -w net\.ipv6\.conf\.all\.forwarding=1 # r1\[sysctl\] \(lab\.conf:13\)\nip address add 10\.0\.1\.1\/24 dev eth0\n/);
    assert.equal(r2.startup, "ip address add 10.0.2.2/24 dev eth0\nip address add 10.0.3.2/24 dev eth1\n# r2[exec] (lab.conf:19)\necho started\n", "CRLF made LF, exec after");
    assert.match(r3.startup, /^sysctl -w net\.ipv6\.conf\.all\.disable_ipv6=1 /);
    assert.doesNotMatch(pc1.startup, /ip_forward/, "ip_forward=0 makes a host, not a startup line");
    assert.deepEqual(r1.files, { "/etc/frr/daemons": "ospfd=yes\n", "/etc/frr/frr.conf": "router ospf\n network 10.0.0.0/16 area 0\n" });
    assert.deepEqual(lab.shared, { startup: 'echo "$(hostname) is up" >> /shared/log\n', files: { "/shared/hosts": "10.0.1.1 r1\n" } });
    assert.deepEqual([r1.after, r2.after, r3.after], [[], ["r1"], ["r1", "r2"]]);

    hasWarning(warnings, /^r2\[cpus\]=2 \(lab\.conf:18\) is not supported: a UML node has one CPU$/);
    hasWarning(warnings, /^r3\[shell\]=\/bin\/zsh \(lab\.conf:25\) is not supported/);
    hasWarning(warnings, /^pc_1\[port\]=8080:80\/tcp \(lab\.conf:31\) is not supported/);
    hasWarning(warnings, /^pc_1\[bridged\]=true \(lab\.conf:30\): eth1 on switch bridged, where gateway internet is the way out/);
    hasWarning(warnings, /r2\[1\]=C\/02:42:ac:11:00:02 \(lab\.conf:16\).*MAC address/);
    hasWarning(warnings, /^pc9\.startup and pc9\/ were not imported: lab\.conf has no device pc9/);
    hasWarning(warnings, /r1\.shutdown was ignored/);
    hasWarning(warnings, /not imported: README\.md$/);
    hasWarning(warnings, /^_test\/ .*not imported/);
    hasWarning(warnings, /device pc_1 → pc-1, collision domain A → a/);
    assert.ok(!warnings.some((w) => /kathara\/(frr|base|quagga)/.test(w)), "Kathará's own images map to the kathara image without a word (Quagga's files run on FRR)");
  });

  const cases: [string, string, number, RegExp][] = [
    ["malformed-line", "lab.conf", 3, /malformed line .*: r1\[1\] B/],
    ["malformed-line", "lab.conf", 4, /malformed line/],
    ["bad-name", "lab.conf", 2, /"pc\.1" is not a device name/],
    ["bad-name", "lab.conf", 3, /collision domain "lan\.1" of r1\[1\]/],
    ["bad-option", "lab.conf", 2, /r1\[mem\]: "lots" is not a memory size/],
    ["bad-option", "lab.conf", 3, /r1\[sysctl\]: "kernel\.panic=1" is not a sysctl of the net\. namespace/],
    ["bad-option", "lab.conf", 4, /r1\[ipv6\]: "maybe" is not true or false/],
    ["too-many-interfaces", "lab.conf", 2, /at most 16 interfaces/],
    ["dep-cycle", "lab.dep", 2, /start order has a cycle: a → b → c → a/],
  ];
  for (const [dir, file, line, message] of cases) {
    it(`refuses ${dir} at ${file}:${line}`, () => hasProblem(problemsOf(fixture(dir)), file, line, message));
  }

  it("names file and line in the error's message", () => {
    assert.throws(() => parseKathara(fixture("malformed-line"), { name: "x" }), /^LabDefinitionError: lab\.conf:3: malformed line/);
  });

  it("refuses a folder without lab.conf, an empty lab.conf, a bad name, and lab.dep lines it cannot read", () => {
    hasProblem(problemsOf(files({ "r1.startup": "true\n" })), "lab.conf", undefined, /not found/);
    hasProblem(problemsOf(files({ "lab.conf": "" })), "lab.conf", undefined, /empty/);
    hasProblem(problemsOf(files({ "lab.conf": "# nothing\n\n" })), "lab.conf", undefined, /names no device/);
    const named = problemsOf(files({ "lab.conf": "r1[0]=A\n" }), { name: "Bad Name" });
    assert.deepEqual(named.map((p) => p.path), [["name"]]);
    hasProblem(problemsOf(files({ "lab.conf": "a[0]=A\nb[0]=A\n", "lab.dep": "a b\nb: b\n" })), "lab.dep", 1, /malformed rule/);
    hasProblem(problemsOf(files({ "lab.conf": "a[0]=A\nb[0]=A\n", "lab.dep": "b: b\n" })), "lab.dep", 1, /cannot start after itself/);
    hasProblem(problemsOf(files({ "lab.conf": 'a[0]=A\na[0]=B\nLAB_COLOUR="red"\n' })), "lab.conf", 2, /a\[0\] is already plugged into A \(lab\.conf:1\)/);
    hasProblem(problemsOf(files({ "lab.conf": 'a[0]=A\nLAB_COLOUR="red"\n' })), "lab.conf", 2, /"LAB_COLOUR" is not one of LAB_NAME/);
    hasProblem(problemsOf(files({ "lab.conf": "shared[0]=A\n" })), "lab.conf", 1, /reserved/);
    hasProblem(problemsOf(files({ "lab.conf": "a[0]=A\na[mem]=64g\n" })), "lab.conf", 2, /more than umlab's 16G/);
  });

  it("strips an archive's top folder and names the lab after it; binary files are left out with a warning", () => {
    const { raw, warnings } = parseKathara(
      files({ "My_Lab/lab.conf": "r1[0]=A\n", "My_Lab/r1/bin/tool": new Uint8Array([0x7f, 0x45, 0xff, 0x00]), "My_Lab/r1/etc/motd": "hi\r\n", "__MACOSX/._lab.conf": "x", "My_Lab/.git/HEAD": "ref", "My_Lab/r1/root/.profile": "PS1=x\n" }),
    );
    assert.equal(raw.name, "my-lab");
    assert.deepEqual(raw.nodes?.r1?.files, { "/etc/motd": "hi\n", "/root/.profile": "PS1=x\n" });
    assert.ok(!warnings.some((w) => /\.git|MACOSX/.test(w)), warnings.join("\n"));
    hasWarning(warnings, /^r1\/bin\/tool is not a text file/);
    assert.equal(parseKathara(files({ "x/lab.conf": "LAB_NAME=ospf\nr1[0]=A\n" }), { nameHint: "ospf-v2.tar.gz" }).raw.name, "ospf-v2");
    assert.equal(parseKathara(files({ "lab.conf": "LAB_NAME=Ospf_Lab\nr1[0]=A\n" })).raw.name, "ospf-lab");
  });

  it("makes lab names from folder and archive names", () => {
    assert.equal(suggestLabName("/tmp/labs/My_Lab.tar.gz"), "my-lab");
    assert.equal(suggestLabName("2024.zip"), "lab-2024");
    assert.equal(suggestLabName("ospf.tgz"), "ospf");
    assert.equal(suggestLabName(""), null);
  });

  it("renames clashing names apart, fills interface gaps unplugged, raises tiny memory, keeps options in order", () => {
    const { raw, warnings } = parseKathara(
      files({
        "lab.conf": [
          "r1[0]=R1",
          "r1[2]=r1",
          "r1[mem]=8m",
          'r1[env]="GREETING=hello"',
          "r1[sysctl]=net.ipv4.ip_forward=0",
          "r1[sysctl]=net.ipv4.ip_forward=1",
          "r1[image]=kathara/p4",
          "r1[image]=kathara/base",
          "r1[privileged]=true",
          "CD_MODE[R1]=hub",
        ].join("\n"),
        "r1.startup": "echo hi",
      }),
      { name: "x" },
    );
    const r1 = raw.nodes!.r1!;
    assert.deepEqual(r1.eth, ["r1-2", null, "r1-3"]);
    assert.equal(r1.mem, "16M");
    assert.equal(r1.role, "router", "the last ip_forward wins");
    assert.equal(r1.startup, "export GREETING='hello' # r1[env] (lab.conf:4)\necho hi\n");
    hasWarning(warnings, /r1 has no r1\[1\] in lab\.conf.*eth1 left unplugged/);
    hasWarning(warnings, /r1\[mem\]=8m \(lab\.conf:3\): a node needs at least 16M/);
    hasWarning(warnings, /r1\[image\] is set on lab\.conf:7 and again on lab\.conf:8/);
    hasWarning(warnings, /^CD_MODE\[R1\]=hub \(lab\.conf:10\) is not supported/);
    hasWarning(warnings, /r1\[env\]=GREETING=hello \(lab\.conf:4\): exported in r1's startup script only/);
    assert.ok(!warnings.some((w) => /privileged|kathara\/p4/.test(w)), warnings.join("\n"));
  });

  it("gives a device an image of this umlab's that its lab.conf names (a recipe, a merged disk), and warns of one it does not have", () => {
    const { raw, warnings } = parseKathara(files({ "lab.conf": ['web[image]="web-server:latest"', "db[image]=my/db", "r1[image]=kathara/frr"].join("\n") }), { name: "x", images: ["busybox", "kathara", "web-server"] });
    assert.deepEqual(
      Object.entries(raw.nodes!).map(([n, d]) => [n, d?.image]),
      [["web", "web-server"], ["db", "kathara"], ["r1", "kathara"]],
    );
    assert.ok(!warnings.some((w) => /web\[image\]/.test(w)), warnings.join("\n"));
    hasWarning(warnings, /db\[image\]=my\/db \(lab\.conf:2\): umlab has no image like "my\/db"/);
  });

  it("sets ulimits for what the startup script starts, and says what it cannot do with terminals, CPUs and ports", () => {
    const { raw, warnings } = parseKathara(
      files({
        "lab.conf": ['r1[ulimit]="memlock=-1:-1"', "r1[ulimit]=nofile=1024:4096", "r1[ulimit]=bogus=1", "r1[num_terms]=2", 'r1[port]="8080:80/tcp"'].join("\n"),
        "r1.startup": "echo hi",
      }),
      { name: "x" },
    );
    hasProblem(problemsOf(files({ "lab.conf": "r1[ulimit]=memlock\n" })), "lab.conf", 1, /r1\[ulimit\]: "memlock" is not NAME=SOFT or NAME=SOFT:HARD/);
    assert.equal(
      raw.nodes!.r1!.startup,
      "ulimit -H -l unlimited; ulimit -S -l unlimited # r1[ulimit] (lab.conf:1)\nulimit -H -n 4096; ulimit -S -n 1024 # r1[ulimit] (lab.conf:2)\necho hi\n",
    );
    hasWarning(warnings, /^r1\[ulimit\]=memlock=-1:-1 \(lab\.conf:1\): set for the services r1's startup script starts/);
    hasWarning(warnings, /^r1\[ulimit\]=bogus=1 \(lab\.conf:3\): umlab knows no limit "bogus"/);
    hasWarning(warnings, /^r1\[num_terms\]=2 \(lab\.conf:4\) is not supported: a node has one console/);
    hasWarning(warnings, /^r1\[port\]=8080:80\/tcp \(lab\.conf:5\) is not supported: .*gateway with a forward/);
  });

  it("puts bridged devices on one switch with a gateway, on their next interface, asking for an address first", () => {
    const { raw, warnings } = parseKathara(
      files({
        "lab.conf": ["a[0]=bridged", "a[1]=b", "a[bridged]=true", "internet[0]=b", "internet[bridged]=yes", "c[bridged]=true", "d[0]=b", "d[bridged]=false", 'a[env]="X=1"'].join("\n"),
        "a.startup": "echo a\n",
      }),
      { name: "x" },
    );
    const lab = resolveLab(raw);
    assert.deepEqual(lab.gateways, [{ name: "internet-2", switch: "bridged-2", dhcp: true, forward: [], hostPorts: [], pos: null }], "names taken by a domain and a device are not reused");
    assert.deepEqual(lab.nodes.map((n) => [n.name, n.interfaces.map((i) => i.switch)]), [
      ["a", ["bridged", "b", "bridged-2"]],
      ["internet", ["b", "bridged-2"]],
      ["c", ["bridged-2"]],
      ["d", ["b"]],
    ]);
    assert.equal(lab.nodes[0].startup, "udhcpc -i eth2 -q -n -t 5 -T 1\nexport X='1' # a[env] (lab.conf:9)\necho a\n");
    assert.equal(lab.nodes[2].startup, "udhcpc -i eth0 -q -n -t 5 -T 1\n");
    assert.equal(lab.nodes[3].startup, "", "bridged=false changes nothing");
    hasWarning(warnings, /^c\[bridged\]=true \(lab\.conf:6\): eth0 on switch bridged-2, where gateway internet-2/);
    assert.ok(!warnings.some((w) => /renamed/.test(w)), warnings.join("\n"));

    const full = Array.from({ length: 16 }, (_, i) => `r1[${i}]=A`);
    hasProblem(problemsOf(files({ "lab.conf": [...full, "r1[bridged]=true"].join("\n") })), "lab.conf", 17, /r1\[bridged\]: r1 has all 16 interfaces already/);
    hasProblem(problemsOf(files({ "lab.conf": "r1[bridged]=perhaps\n" })), "lab.conf", 1, /r1\[bridged\]: "perhaps" is not true or false/);
  });

  describe("export, then import: the same lab", () => {
    const labs: RawLab[] = [
      {
        name: "plain",
        description: "two hosts, a router and a gap",
        shared: { startup: "echo shared\n", files: { "/shared/hosts": "10.0.0.1 r-1\n" } },
        nodes: {
          "r-1": { role: "router", image: "router", mem: "256M", eth: ["sw1", null, "sw-2"], startup: "ip link set eth0 up\n", files: { "/etc/frr/frr.conf": "router rip\n" } },
          pc1: { eth: ["sw1"], startup: "ip addr add 10.0.0.2/24 dev eth0\nip link set eth0 up" },
          pc2: { eth: ["sw-2", null], after: ["r-1", "pc1"] },
        },
        switches: { "sw-2": {}, sw1: {} },
      },
      {
        name: "odd-bits",
        kernel: "fast",
        nodes: {
          lonely: {},
          unplugged: { role: "router", eth: [null, null], kernel: "debian", pos: [10, 20] },
          h: { eth: ["hub1", "old"], image: "busybox", mem: "1G", pos: [1, 2] },
        },
        switches: { hub1: { mode: "hub", pos: [5, 5] }, old: { kind: "uml_switch" }, unused: {} },
      },
      { name: "empty-ish", description: 'quotes "and" = signs', nodes: { a: {} } },
      {
        name: "bridged",
        nodes: {
          r1: { role: "router", eth: ["lan", "bridged"], startup: "udhcpc -i eth1 -q -n -t 5 -T 1\nip addr add 10.0.0.1/24 dev eth0\n" },
          pc1: { eth: ["lan"] },
          pc2: { eth: ["bridged"], startup: "udhcpc -i eth0 -q -n -t 5 -T 1\n" },
        },
        switches: { lan: {}, bridged: {} },
        gateways: { internet: { switch: "bridged", pos: [10, 10] } },
      },
    ];
    for (const raw of labs) {
      it(raw.name, () => {
        const lab = resolveLab(raw);
        const back = roundTrip(lab);
        const expected = katharaEquivalent(lab);
        if (raw.name === "empty-ish") expected.description = "quotes and signs";
        assert.deepEqual(back.lab, expected);
        assert.deepEqual(roundTrip(back.lab).lab, back.lab, "a second round trip changes nothing");
      });
    }

    it("writes lab.conf, startups, files, shared and lab.dep in Kathará's words", () => {
      const out = exportKathara(resolveLab(labs[0]));
      assert.deepEqual(Object.keys(out).sort(), ["lab.conf", "lab.dep", "pc1.startup", "r_1.startup", "r_1/etc/frr/frr.conf", "shared.startup", "shared/hosts"]);
      const conf = out["lab.conf"].split("\n");
      for (const line of ['LAB_NAME="plain"', 'r_1[0]="sw1"', 'r_1[1]="unplugged_r_1_1"', 'r_1[2]="sw_2"', 'r_1[image]="kathara/frr"', 'r_1[mem]="256m"', 'pc1[image]="kathara/base"', 'pc1[sysctl]="net.ipv4.ip_forward=0"'])
        assert.ok(conf.includes(line), `lab.conf has no line ${line}:\n${out["lab.conf"]}`);
      assert.equal(out["lab.dep"], "pc2: r_1 pc1\n");
      const odd = exportKathara(resolveLab(labs[1]))["lab.conf"];
      assert.match(odd, /# umlab: switch hub1 is a hub/);
      assert.match(odd, /# umlab: every node boots the fast kernel/);
    });

    it("writes a node on a gateway's switch as bridged, without that interface and its DHCP line", () => {
      const out = exportKathara(resolveLab(labs[3]));
      const conf = out["lab.conf"].split("\n");
      for (const line of ['r1[0]="lan"', 'r1[bridged]="true"', 'pc2[bridged]="true"']) assert.ok(conf.includes(line), `lab.conf has no line ${line}:\n${out["lab.conf"]}`);
      assert.ok(!conf.some((l) => /^(r1\[1\]|pc2\[0\])=|^pc1\[bridged\]/.test(l)), out["lab.conf"]);
      assert.equal(out["r1.startup"], "ip addr add 10.0.0.1/24 dev eth0\n");
      assert.equal(out["pc2.startup"], undefined);
      assert.doesNotMatch(out["lab.conf"], /# umlab: .*gateway/);

      // A gateway Kathará has no words for is named in a comment, and its switch stays a collision domain.
      const other = exportKathara(
        resolveLab({ name: "o", nodes: { a: { eth: ["lan", "x"] }, b: { eth: ["y"] } }, switches: { lan: {}, x: {}, y: {} }, gateways: { g1: { switch: "lan" }, g2: { switch: null }, g3: { switch: "y", dhcp: false, forward: ["8080:10.0.2.15:80"] } } }),
      )["lab.conf"];
      assert.match(other, /# umlab: gateway g1 on switch lan was left out: .*not the last of every node on it/);
      assert.match(other, /# umlab: gateway g2 is plugged into nothing/);
      assert.match(other, /# umlab: gateway g3 gives no addresses by DHCP/);
      assert.match(other, /# umlab: gateway g3 forwards 8080:10\.0\.2\.15:80/);
      assert.match(other, /a\[0\]="lan"/);
      assert.match(other, /b\[bridged\]="true"/);
    });

    it("copies shared files outside /shared/ into every node, as Kathará has no other way", () => {
      const lab = resolveLab({ name: "s", shared: { files: { "/etc/motd": "hello\n" } }, nodes: { a: {}, b: { files: { "/etc/motd": "mine\n" } } } });
      const back = resolveLab(parseKathara(files(exportKathara(lab)), { name: "s" }).raw);
      assert.deepEqual(back.shared.files, {});
      assert.deepEqual(back.nodes.map((n) => n.files["/etc/motd"]), ["hello\n", "mine\n"]);
    });
  });
});
