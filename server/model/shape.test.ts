import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { toDoc, toRaw } from "@/components/topology/doc";
import { labChanges } from "./changes";
import { resolveLab, toRawLab, type Lab } from "./lab";
import { rawDisk, rawGateway, rawLabSchema, rawNode, rawShared, rawSwitch, rawTap, type RawLab } from "./schema";

/**
 * Field coverage: every key the schema has, of every entity, is read,
 * written back, kept by the canvas document and, unless it is a canvas
 * position, seen by change detection. The keys are the schema's own, so a
 * key added to it is tested here before anyone remembers to.
 */

// Every key of every entity set, none to its default (nodes a, switch sw2 and gateway gw are the ones tested).
const FULL: RawLab = {
  name: "full",
  description: "every field set",
  kernel: "debian",
  shared: { startup: "echo shared\n", files: { "/etc/shared": "s\n" } },
  nodes: {
    a: { role: "router", kernel: "fast", image: "router", mem: "128M", eth: ["sw1", "sw2"], startup: "echo a\n", files: { "/etc/a": "a\n" }, after: ["b"], disks: ["d1"], pos: [1, 2] },
    b: { eth: ["sw1"] },
  },
  switches: { sw1: {}, sw2: { kind: "uml_switch", mode: "hub", tap: { name: "tap0", address: "10.0.0.254/24" }, pos: [3, 4] } },
  gateways: { gw: { switch: "sw1", dhcp: false, forward: ["8080:10.0.2.15:80"], hostPorts: [22], pos: [5, 6] } },
  disks: { d1: { size: "1G", format: "ext4", pos: [7, 7] }, d2: {} },
  cables: [["a.ttyS2", "b.ttyS2"]],
  scenario: ["at 10s pull a.eth0"],
  checks: [{ id: "a-up", daemon: { node: "a", name: "zebra" } }],
};

type Entity = Record<string, unknown>;
/** Each entity of the lab file: its schema, and where FULL has one of it. */
const ENTITIES: { name: string; schema: z.ZodObject; in: (r: RawLab) => Entity }[] = [
  { name: "lab", schema: rawLabSchema, in: (r) => r },
  { name: "shared", schema: rawShared, in: (r) => r.shared! },
  { name: "node", schema: rawNode, in: (r) => r.nodes!.a! },
  { name: "switch", schema: rawSwitch, in: (r) => r.switches!.sw2! },
  { name: "tap", schema: rawTap, in: (r) => r.switches!.sw2!.tap! },
  { name: "gateway", schema: rawGateway, in: (r) => r.gateways!.gw! },
  { name: "disk", schema: rawDisk, in: (r) => r.disks!.d1! },
];

// Another valid value for each key; a key not listed gets one from its type (guess).
const OTHER: Record<string, unknown> = {
  "lab.name": "other",
  "lab.description": "another",
  "lab.kernel": "fast",
  "lab.shared": {},
  "lab.nodes": { ...FULL.nodes, c: {} },
  "lab.switches": { ...FULL.switches, sw3: {} },
  "lab.gateways": { ...FULL.gateways, gw2: {} },
  "lab.disks": { ...FULL.disks, d3: {} },
  "lab.scenario": ["at 20s pull a.eth0"],
  "lab.cables": [["a.ttyS3", "b.ttyS2"]],
  "lab.checks": [{ id: "a-up", points: 2, daemon: { node: "a", name: "zebra" } }],
  "shared.startup": "echo other\n",
  "shared.files": { "/etc/shared": "t\n" },
  "node.role": "host",
  "node.kernel": "debian",
  "node.image": "host",
  "node.mem": "256M",
  "node.eth": ["sw1"],
  "node.startup": "echo A\n",
  "node.files": { "/etc/a": "A\n" },
  "node.after": [],
  "node.disks": ["d2", "d1"],
  "node.pos": [7, 8],
  "switch.kind": "vde",
  "switch.mode": "switch",
  "switch.tap": { name: "tap1" },
  "switch.pos": [9, 9],
  "tap.name": "tap9",
  "tap.address": "10.1.0.1/16",
  "gateway.switch": null,
  "gateway.dhcp": true,
  "gateway.forward": [],
  "gateway.hostPorts": [80],
  "gateway.pos": [0, 0],
  "disk.size": "2G",
  "disk.format": "ext2",
  "disk.pos": [8, 8],
};

/** A value of a key's type, for a key this test does not know yet (a plain string, number, flag or choice). */
function guess(schema: z.ZodType): unknown {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return guess(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodString) return "changed";
  if (schema instanceof z.ZodNumber) return 42;
  if (schema instanceof z.ZodBoolean) return true;
  if (schema instanceof z.ZodEnum) return schema.options.at(-1);
  throw new Error("no value to try: list one in OTHER");
}

/** FULL with one key of one entity set to another value, resolved. */
function withOther(entity: (typeof ENTITIES)[number], key: string): Lab {
  const raw = structuredClone(FULL);
  entity.in(raw)[key] = Object.hasOwn(OTHER, `${entity.name}.${key}`) ? OTHER[`${entity.name}.${key}`] : guess(entity.schema.shape[key] as z.ZodType);
  return resolveLab(raw);
}

const CANVAS_ONLY = new Set(["pos"]);

describe("every field of the lab file", () => {
  const full = resolveLab(FULL);

  it("is set in the fixture, to something other than its default", () => {
    for (const e of ENTITIES) for (const key of Object.keys(e.schema.shape)) assert.ok(Object.hasOwn(e.in(FULL), key), `FULL sets no ${e.name}.${key}`);
    assert.deepEqual(resolveLab(toRawLab(full)), full);
  });

  for (const e of ENTITIES) {
    for (const key of Object.keys(e.schema.shape)) {
      it(`${e.name}.${key}: changed, is a change a running lab sees, and survives the file and the canvas`, () => {
        const changed = withOther(e, key);
        assert.notDeepEqual(changed, full, `${e.name}.${key} is not read into the model (shape.ts has no rule for it?)`);
        const seen = labChanges(full, changed);
        if (CANVAS_ONLY.has(key)) assert.deepEqual(seen, [], `moving an element on the canvas is no change to a running lab`);
        else {
          assert.ok(seen.length > 0, `${e.name}.${key}: labChanges sees no difference`);
          for (const c of seen) assert.ok(c.what, `${e.name}.${key}: a change says what it is`);
        }
        assert.deepEqual(resolveLab(toRawLab(changed)), changed, `${e.name}.${key}: lost between the model and the lab file`);
        assert.deepEqual(resolveLab(toRaw(toDoc(toRawLab(changed)))), changed, `${e.name}.${key}: lost in the canvas document`);
      });
    }
  }
});
