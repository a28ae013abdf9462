import { z } from "zod";

/**
 * A check's shape in the lab file (`checks:`): its own keys and exactly one
 * test, named by its key (`reach:`, `route:`, ...). Sizes are capped here;
 * what needs the lab (its nodes) or reads a value (addresses, patterns) is
 * checked in check.ts.
 */

const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const node = text(64);
export const MAX_PATTERN = 512;
export const MAX_FILE_TEXT = 64 * 1024;
export const MAX_SCRIPT_TEXT = 16 * 1024;

export const rawReach = z.strictObject({
  node,
  to: text(253),
  count: z.number().int().min(1).max(20).optional(),
  reachable: z.boolean().optional(),
});
export const rawRoute = z.strictObject({
  node,
  to: text(64),
  via: text(64).optional(),
  dev: text(32).optional(),
  absent: z.boolean().optional(),
});
export const rawOspf = z.strictObject({
  node,
  neighbor: text(64),
  state: text(32).optional(),
});
export const rawBgp = z.strictObject({
  node,
  peer: text(64),
  asn: z.number().int().min(1).max(4294967295).optional(),
  state: text(32).optional(),
});
export const rawDaemon = z.strictObject({
  node,
  name: text(64),
  running: z.boolean().optional(),
});
export const rawAddress = z.strictObject({
  node,
  interface: text(32),
  address: text(64),
});
export const rawFile = z.strictObject({
  node,
  path: text(4096),
  content: text(MAX_FILE_TEXT).optional(),
  pattern: text(MAX_PATTERN).optional(),
});
export const rawCommand = z.strictObject({
  node,
  argv: z.array(text(4096)).min(1).max(64).optional(),
  script: text(MAX_SCRIPT_TEXT).optional(),
  exit: z.union([z.number().int().min(0).max(255), z.literal("any")]).optional(),
  stdout: text(MAX_FILE_TEXT).optional(),
  pattern: text(MAX_PATTERN).optional(),
  timeout: z.number().int().min(1).max(120).optional(),
});

/** Each kind of test, by the key that names it in a check. */
export const rawTests = {
  reach: rawReach,
  route: rawRoute,
  ospf: rawOspf,
  bgp: rawBgp,
  daemon: rawDaemon,
  address: rawAddress,
  file: rawFile,
  command: rawCommand,
};
export type TestKind = keyof typeof rawTests;
export const TEST_KINDS = Object.keys(rawTests) as TestKind[];

export const rawCheck = z.strictObject({
  id: text(64),
  description: text(500).optional(),
  points: z.number().finite().min(0).max(1000).optional(),
  hint: text(2000).optional(),
  wait: z.number().finite().min(0).max(600).optional(),
  hidden: z.boolean().optional(),
  reach: rawReach.optional(),
  route: rawRoute.optional(),
  ospf: rawOspf.optional(),
  bgp: rawBgp.optional(),
  daemon: rawDaemon.optional(),
  address: rawAddress.optional(),
  file: rawFile.optional(),
  command: rawCommand.optional(),
});
export const MAX_CHECKS = 200;
export const rawChecks = z.array(rawCheck).max(MAX_CHECKS, `a lab has at most ${MAX_CHECKS} checks`);

export type RawCheck = z.input<typeof rawCheck>;
export type RawTest<K extends TestKind> = z.input<(typeof rawTests)[K]>;
