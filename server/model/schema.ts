import { z } from "zod";
import { rawChecks } from "./check-schema";
import { kernelChoiceProblem } from "./kernel";

/**
 * The lab file's shape: which keys each entity has and what type each holds.
 * Everything else about a field (its default, its checks, how a change to it
 * is shown and applied) is in shape.ts, one rule for each key here; the
 * canvas document and the field-coverage test enumerate these keys too.
 */

const plug = z.string().nullable();
const rawPos = z.tuple([z.number().finite(), z.number().finite()]);
const rawKernel = z.string().superRefine((k, ctx) => {
  const p = kernelChoiceProblem(k);
  if (p) ctx.addIssue({ code: "custom", message: p });
});
export const rawNode = z.strictObject({
  role: z.enum(["host", "router"]).optional(),
  kernel: rawKernel.optional(),
  image: z.string().optional(),
  mem: z.union([z.string(), z.number()]).optional(),
  eth: z.union([z.array(plug), z.record(z.string(), plug)]).optional(),
  startup: z.string().optional(),
  files: z.record(z.string(), z.string()).optional(),
  after: z.array(z.string()).optional(),
  /** The lab's disks it boots with, by name (disk.ts). */
  disks: z.array(z.string()).optional(),
  pos: rawPos.optional(),
});
export const rawShared = z.strictObject({
  startup: z.string().optional(),
  files: z.record(z.string(), z.string()).optional(),
});
export const rawTap = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,14}$/, "a host interface name: a lower-case letter, then up to 14 letters, digits, _ or -"),
  address: z
    .string()
    .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([12]?\d|3[0-2])$/, "an IPv4 address with its prefix length, e.g. 10.0.0.254/24")
    .optional(),
});
export const rawSwitch = z.strictObject({
  kind: z.enum(["vde", "uml_switch"]).optional(),
  mode: z.enum(["switch", "hub"]).optional(),
  tap: rawTap.optional(),
  pos: rawPos.optional(),
});
export const rawGateway = z.strictObject({
  switch: z.string().nullable().optional(),
  dhcp: z.boolean().optional(),
  forward: z.array(z.string()).optional(),
  hostPorts: z.array(z.number()).optional(),
  pos: rawPos.optional(),
});
export const rawDisk = z.strictObject({
  size: z.union([z.string(), z.number()]).optional(),
  format: z.enum(["none", "ext4", "ext2"]).optional(),
  pos: rawPos.optional(),
});
export const rawLabSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  kernel: rawKernel.optional(),
  shared: rawShared.optional(),
  nodes: z.record(z.string(), rawNode.nullable()).optional(),
  switches: z.record(z.string(), rawSwitch.nullable()).optional(),
  gateways: z.record(z.string(), rawGateway.nullable()).optional(),
  /** Extra disks: raw files of the lab's, each attached to the nodes that list it (disk.ts). */
  disks: z.record(z.string(), rawDisk.nullable()).optional(),
  /** Serial cables, each two lines: `[one.ttyS2, two.ttyS2]` (serial.ts). */
  cables: z.array(z.tuple([z.string(), z.string()])).optional(),
  scenario: z.array(z.string()).optional(),
  checks: rawChecks.optional(),
});

/** A lab as written by a person or a program, before it is checked. */
export type RawLab = z.input<typeof rawLabSchema>;
export type RawNode = z.input<typeof rawNode>;
export type RawShared = z.input<typeof rawShared>;
export type RawTap = z.input<typeof rawTap>;
export type RawSwitch = z.input<typeof rawSwitch>;
export type RawGateway = z.input<typeof rawGateway>;
export type RawDisk = z.input<typeof rawDisk>;
