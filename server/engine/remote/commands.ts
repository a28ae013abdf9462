import { z } from "zod";
import { imageRecipeSchema } from "../../model/image-recipe";
import { resolveLab, toRawLab, type Lab } from "../../model/lab";
import { captureRequestSchema } from "../capture/types";
import { cableActionSchema, diskActionSchema, linkRequestSchema, mconsoleCommandSchema, nodeActionSchema, type EngineApi } from "../api";

/**
 * How each engine command crosses the wire: a checker (and decoder) for each
 * argument, and the answer's encoding both ways. A lab definition travels as
 * its lab-file form and is resolved again on arrival, so the engine checks
 * it like any lab file; everything else is plain data checked by shape.
 */
interface Codec<T> {
  encode(v: T): unknown;
  decode(v: unknown): T;
}

const plain = <T>(schema: z.ZodType<T>): Codec<T> => ({ encode: (v) => v, decode: (v) => schema.parse(v) });
/** Answers from the engine the server trusts as they come (it authenticated the engine by its socket). */
const trusted = <T>(): Codec<T> => ({ encode: (v) => v, decode: (v) => v as T });
const lab: Codec<Lab> = { encode: (l) => toRawLab(l), decode: (v) => resolveLab(v) };
const maybeLab: Codec<Lab | null> = { encode: (l) => (l ? toRawLab(l) : null), decode: (v) => (v === null ? null : resolveLab(v)) };

const LAB_ID = /^[a-z0-9][a-z0-9-]{0,40}$/;
const MAX_NAME = 64;
const MAX_KEYS = 64 * 1024;
const id = plain(z.string().regex(LAB_ID, "a lab id"));
const name = plain(z.string().min(1).max(MAX_NAME));
const text = plain(z.string().max(1024 * 1024));
const int = plain(z.number().int().min(0).max(100_000));
const bool = plain(z.boolean());
const names = plain(z.array(z.string().max(64)).max(10_000));
const maybeName = plain(z.string().min(1).max(64).nullable());
const snapshotId = plain(z.string().max(64));
const captureId = plain(z.string().regex(/^c\d{1,6}$/, "a capture id"));
const token = plain(z.string().regex(/^[0-9a-f]{32}$/, "a transfer token"));

type Methods = Exclude<keyof EngineApi, "on" | "off">;
/** A codec for each argument (a mapped type over a type parameter keeps the tuple). */
type Codecs<P extends unknown[]> = { [K in keyof P]: Codec<P[K]> };
type Spec<M extends Methods> = {
  args: Codecs<Parameters<EngineApi[M]>>;
  /** An answer's encoding; absent: the command expects none (keystrokes). */
  answer?: Codec<Awaited<ReturnType<EngineApi[M]>>>;
};

export const COMMANDS: { [M in Methods]: Spec<M> } = {
  status: { args: [id, lab], answer: trusted() },
  running: { args: [id], answer: maybeLab },
  usage: { args: [names], answer: trusted() },
  startLab: { args: [id, lab], answer: trusted() },
  startDown: { args: [id, lab], answer: trusted() },
  downNodes: { args: [id], answer: trusted() },
  stopLab: { args: [id, lab], answer: trusted() },
  plan: { args: [id, lab, name, plain(nodeActionSchema)], answer: trusted() },
  nodeAction: { args: [id, lab, name, plain(nodeActionSchema)], answer: trusted() },
  pauseSwitch: { args: [id, name, bool], answer: trusted() },
  linkAction: { args: [id, name, int, plain(linkRequestSchema)], answer: trusted() },
  cableAction: { args: [id, name, plain(cableActionSchema)], answer: trusted() },
  diskAction: { args: [id, lab, name, name, plain(diskActionSchema)], answer: trusted() },
  exec: { args: [id, name, text, plain(z.number().positive().max(3600))], answer: trusted() },
  mconsole: { args: [id, name, plain(mconsoleCommandSchema)], answer: trusted() },
  attach: { args: [id, name], answer: trusted() },
  input: { args: [id, name, plain(z.string().max(MAX_KEYS))] },
  resize: { args: [id, name, int, int] },
  playScenario: { args: [id, lab], answer: trusted() },
  stopScenario: { args: [id], answer: trusted() },
  scenarioState: { args: [id], answer: trusted() },
  kernelUsers: { args: [name], answer: trusted() },
  kernelList: { args: [], answer: trusted() },
  buildFastKernel: { args: [], answer: trusted() },
  buildCustomKernel: { args: [plain(z.strictObject({ name: z.string().max(64), fragment: z.string().max(256 * 1024) }))], answer: trusted() },
  removeKernel: { args: [name], answer: trusted() },
  kernelsReady: { args: [plain(z.array(z.string().max(64).nullable()).max(10_000))], answer: trusted() },
  imageList: { args: [], answer: trusted() },
  buildImage: { args: [name], answer: trusted() },
  addImageRecipe: { args: [plain(imageRecipeSchema)], answer: trusted() },
  removeImageRecipe: { args: [name], answer: trusted() },
  imagesReady: { args: [names], answer: trusted() },
  removeLabFiles: { args: [id], answer: trusted() },
  pruneNodeFiles: { args: [id, names, plain(z.array(z.string().max(64)).max(10_000).nullable())], answer: trusted() },
  rekeyLabFiles: { args: [plain(z.string().max(64)), id], answer: trusted() },
  snapshots: { args: [id], answer: trusted() },
  takeSnapshot: { args: [id, lab, plain(z.string().max(200)), maybeName], answer: trusted() },
  restoreSnapshot: { args: [id, snapshotId, maybeName], answer: trusted() },
  removeSnapshot: { args: [id, snapshotId], answer: trusted() },
  copyLabDisks: { args: [id, id, names], answer: trusted() },
  takeShareSnapshot: { args: [id, lab, plain(z.string().max(64))], answer: trusted() },
  removeShareSnapshot: { args: [id, snapshotId], answer: trusted() },
  copyShareDisks: { args: [id, snapshotId, id], answer: trusted() },
  mergeNodeDisk: { args: [id, lab, name, name], answer: trusted() },
  exportLabArchive: { args: [id, lab, token, bool], answer: trusted() },
  unpackLabArchive: { args: [token], answer: trusted() },
  adoptLabArchive: { args: [token, id, lab], answer: trusted() },
  dropLabArchive: { args: [token], answer: trusted() },
  startCapture: { args: [id, plain(captureRequestSchema)], answer: trusted() },
  stopCapture: { args: [id, captureId], answer: trusted() },
  removeCapture: { args: [id, captureId], answer: trusted() },
  watchCapture: { args: [id, captureId, bool] },
  captureRecent: { args: [id, captureId], answer: trusted() },
  exportCapture: { args: [id, captureId, token], answer: trusted() },
};

export const isCommand = (cmd: string): cmd is Methods => Object.hasOwn(COMMANDS, cmd);
export type Command = Methods;

/**
 * A keystroke frame (`input`, no answer asked), checked as its codecs would
 * check it but by hand: keystrokes are most of the frames and each one is a
 * person waiting for the echo, and zod's parse of the frame and of each
 * argument was a tenth of the engine's share of that wait. Anything else, or
 * a keystroke these checks refuse, goes the general way (and is refused
 * there with its reason).
 */
export function keystroke(frame: unknown): [lab: string, node: string, data: string] | null {
  if (typeof frame !== "object" || frame === null) return null;
  const f = frame as Record<string, unknown>;
  if (f.cmd !== "input" || f.id !== undefined || !Array.isArray(f.args) || f.args.length !== 3 || Object.keys(f).length !== 2) return null;
  const [lab, node, data] = f.args as unknown[];
  if (typeof lab !== "string" || !LAB_ID.test(lab)) return null;
  if (typeof node !== "string" || node.length < 1 || node.length > MAX_NAME) return null;
  if (typeof data !== "string" || data.length > MAX_KEYS) return null;
  return [lab, node, data];
}
