import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { LabDefinitionError } from "../model/errors";
import { resolveLab } from "../model/lab";
import { parseKathara } from "./kathara";
import { LabFileError, parseLabYaml } from "./labyaml";

/**
 * Property tests: whatever a file holds, each parser returns a lab or its
 * own typed problem list, and throws nothing else. The seed is printed;
 * FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> sets the cases per property.
 */
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const numRuns = Number(process.env.FUZZ_RUNS ?? 5000);
console.log(`fuzz: seed ${seed}, ${numRuns} cases per property (replay with FUZZ_SEED=${seed})`);
const settings = { seed, numRuns };

function yamlOutcome(text: string): void {
  try {
    parseLabYaml(text);
  } catch (e) {
    if (!(e instanceof LabFileError)) throw new Error(`parseLabYaml threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    assert.ok(e.problems.length > 0);
  }
}

function katharaOutcome(files: Record<string, string | Uint8Array>): void {
  const input = Object.fromEntries(Object.entries(files).map(([p, t]) => [p, typeof t === "string" ? Buffer.from(t) : t]));
  let raw;
  try {
    raw = parseKathara(input, { nameHint: "fuzzed" }).raw;
  } catch (e) {
    if (!(e instanceof LabDefinitionError)) throw new Error(`parseKathara threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    assert.ok(e.problems.length > 0);
    return;
  }
  // An import without problems is a lab.
  resolveLab(raw);
}

/** Mostly the valid choice, sometimes the other: generated files land near the edge, on both sides of it. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: other });

// Pieces a lab file is made of, some valid and some not.
const name = mostly(fc.constantFrom("a", "r1", "pc-2", "sw", "x".repeat(31)), fc.oneof(fc.constantFrom("Bad", "1x", "constructor", "__proto__", "", "toString"), fc.string({ maxLength: 8 })));
const anyValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), fc.double(), fc.constant([]), fc.constant({}));
const mem = mostly(fc.constantFrom("64M", "128M", "1G", "32M"), fc.oneof(fc.constantFrom("0M", "-4M", "99999G", "32m", "64MiB"), anyValue));
const switchName = fc.constantFrom("s1", "s2", "hub");
const rawNode = fc.record(
  {
    image: mostly(fc.constantFrom("busybox", "router"), fc.oneof(fc.constant("nosuch"), anyValue)),
    mem,
    role: mostly(fc.constantFrom("router", "host"), anyValue),
    eth: mostly(fc.array(mostly(switchName, fc.oneof(name, fc.constant(null))), { maxLength: 5 }), anyValue),
    startup: mostly(fc.string({ maxLength: 30 }), anyValue),
    after: mostly(fc.array(fc.constantFrom("a", "r1"), { maxLength: 2 }), fc.oneof(fc.array(name, { maxLength: 3 }), anyValue)),
    files: mostly(fc.dictionary(fc.constantFrom("/etc/x", "/root/y"), fc.string({ maxLength: 10 })), fc.oneof(fc.dictionary(fc.constantFrom("rel", "/", "/a/../b"), fc.string()), anyValue)),
  },
  { requiredKeys: [] },
).chain((n) => mostly(fc.constant(n), anyValue.map((junk) => ({ ...n, junk }))));
const rawLab = fc.record(
  {
    umlab: mostly(fc.constant(1), anyValue),
    name,
    description: mostly(fc.string({ maxLength: 20 }), anyValue),
    nodes: mostly(fc.dictionary(fc.constantFrom("a", "r1", "pc-2"), rawNode, { maxKeys: 3 }), fc.oneof(fc.dictionary(name, rawNode, { maxKeys: 3 }), anyValue)),
    switches: mostly(fc.dictionary(switchName, fc.record({ kind: mostly(fc.constantFrom("vde", "uml_switch"), anyValue), mode: mostly(fc.constantFrom("hub", "switch"), anyValue) }, { requiredKeys: [] }), { maxKeys: 3 }), anyValue),
    gateways: mostly(fc.dictionary(fc.constantFrom("gw"), fc.record({ switch: mostly(switchName, fc.constant(null)), forward: fc.array(fc.constantFrom("8080:10.0.0.1:80", "x", "99999:1.2.3.4:1"), { maxLength: 2 }) }, { requiredKeys: [] }), { maxKeys: 1 }), anyValue),
    scenario: mostly(fc.array(fc.constantFrom("at 1s pull a.eth0", "at 2s plug a.eth0", "at 1s crash a", "bogus"), { maxLength: 2 }), anyValue),
  },
  { requiredKeys: ["umlab", "name"] },
  // Sometimes a key a lab file does not have (the design's sketch has cables): a problem, never a crash.
).chain((lab) => mostly(fc.constant(lab), anyValue.map((cables) => ({ ...lab, cables }))));
/** A text damaged in one place: a character dropped, or a YAML-significant one put in. */
const damaged = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, fc.nat(), fc.constantFrom("", ":", "-", "[", "{", "&a", "*a", "!!", "'", '"', "\n", "\t", "#", "? ", "|", ">", "<<: *a", "\0")).map(([t, at, ins]) => {
    const i = t.length ? at % t.length : 0;
    return ins === "" ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + ins + t.slice(i);
  });

describe("lab.yaml parser (property tests)", () => {
  it("answers a lab or a LabFileError for arbitrary text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (t) => yamlOutcome(t)), settings);
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(..."umlab: 1\nname x{}[],-&*!|>'\"#?@`%\t"), maxLength: 200 }), (t) => yamlOutcome(t)), settings);
  });

  it("answers a lab or a LabFileError for near-valid lab files", () => {
    fc.assert(fc.property(rawLab, (lab) => yamlOutcome(stringify(lab))), settings);
    fc.assert(fc.property(damaged(rawLab.map((lab) => stringify(lab))), (t) => yamlOutcome(t)), settings);
  });
});

// lab.conf lines, valid and not.
const word = mostly(fc.constantFrom("pc1", "r_1", "A", "B"), fc.oneof(fc.constantFrom("shared", "_test", "CD_MODE", "x".repeat(40)), fc.string({ unit: fc.constantFrom(..."ab1_-. "), maxLength: 6 })));
const value = mostly(word, fc.constantFrom('"quoted"', "'q'", '"open', "a # comment", "a#b", "256m", "1g", "true", "no", "net.ipv4.ip_forward=0", "net.x.y=1", "K=v", "kathara/frr:latest@sha256:00", "A/02:42:ac:11:00:02", "", "256m", "1g", "true", "no", "net.ipv4.ip_forward=0", "K=v", "kathara/frr"));
const confLine = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.constantFrom("pc1", "r_1"), fc.nat({ max: 2 }), fc.constantFrom("A", "B")).map(([d, n, v]) => `${d}[${n}]=${v}`) },
  fc.tuple(word, mostly(fc.nat({ max: 3 }).map(String), fc.constantFrom("40", "mem", "image", "sysctl", "env", "exec", "ipv6", "bridged", "privileged", "port", "bogus", "")), value).map(([d, a, v]) => `${d}[${a}]=${v}`),
  fc.tuple(fc.constantFrom("LAB_NAME", "LAB_DESCRIPTION", "LAB_VERSION", "LAB_AUTHOR", "LAB_EMAIL", "LAB_WEB", "LAB_X"), value).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom("# comment", "", "   ", "\r", "\uFEFF", "garbage", "a[0]", "=[]="),
  fc.string({ maxLength: 30 }),
);
const confText = fc.array(confLine, { minLength: 1, maxLength: 8 }).map((ls) => ls.join("\n"));
const labConf = mostly(confText, damaged(confText));
const folder = fc.record(
  {
    "lab.conf": fc.oneof(labConf, labConf, fc.uint8Array({ maxLength: 40 })),
    "lab.dep": fc.oneof(fc.array(fc.tuple(word, fc.array(word, { maxLength: 3 })).map(([d, ds]) => `${d}: ${ds.join(" ")}`), { maxLength: 4 }).map((l) => l.join("\n")), fc.string({ maxLength: 20 })),
    "pc1.startup": fc.oneof(fc.string({ maxLength: 30 }), fc.constant("dhclient eth1 # bridged\nip a"), fc.uint8Array({ maxLength: 10 })),
    "pc1/etc/frr/frr.conf": fc.string({ maxLength: 20 }),
    "shared.startup": fc.string({ maxLength: 20 }),
    "shared/x": fc.string({ maxLength: 10 }),
    "r_1.shutdown": fc.constant("x"),
    "lab.ext": fc.constant("x"),
    "other/file": fc.constant("x"),
    "_test/x": fc.constant("x"),
  },
  { requiredKeys: [] },
);

describe("Kathará lab.conf import (property tests)", () => {
  it("answers a lab or a LabDefinitionError for arbitrary lab.conf text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (t) => katharaOutcome({ "lab.conf": t })), settings);
  });

  it("answers a lab or a LabDefinitionError for near-valid lab folders", () => {
    fc.assert(fc.property(folder, (f) => katharaOutcome(f)), settings);
    fc.assert(fc.property(fc.string({ maxLength: 12 }), folder, (top, f) => katharaOutcome(Object.fromEntries(Object.entries(f).map(([p, t]) => [`${top}/${p}`, t])))), settings);
  });
});
