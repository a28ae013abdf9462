import type { EventEmitter } from "node:events";
import type { CaptureInfo, CaptureRequest, PacketRow } from "./capture/types";
import { z } from "zod";
import type { Lab, Node } from "../model/lab";
import type { Impairment } from "../model/link";
import type { LabStatus } from "./lab-run";
import type { ExecResult } from "./uml/agent";
import type { MconsoleCommand, MconsoleReply } from "./uml/mconsole";
import type { ImageInfo, ImageStatus } from "./build/image-service";
import type { KernelBuildState, KernelInfo } from "./build/kernel-service";
import type { CustomKernelRequest } from "./kernel/build";
import type { ImageRecipe } from "../model/image-recipe";
import type { ScenarioState } from "./scenario-player";
import type { NodeState } from "./uml/node-types";
import type { SnapshotInfo } from "./disk/snapshots";
import type { ArchiveSummary, UnpackedLab } from "./lab-archives";

export const nodeActionSchema = z.enum(["start", "stop", "restart", "wipe", "crash"]);
export type NodeAction = z.infer<typeof nodeActionSchema>;

/** What to do to a link; an impairment's missing fields are off (0, no bandwidth limit). */
export const linkRequestSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.enum(["pull", "plug", "clear"]) }),
  z
    .strictObject({
      action: z.literal("impair"),
      lossPct: z.number().min(0).max(100).optional(),
      delayMs: z.number().min(0).max(60000).optional(),
      bandwidthKbit: z.number().positive().optional(),
      dupPct: z.number().min(0).max(100).optional(),
    })
    .refine((b) => !!(b.lossPct || b.delayMs || b.bandwidthKbit || b.dupPct), { message: "nothing to impair: give lossPct, delayMs, bandwidthKbit or dupPct" }),
]);
export type LinkRequest = { action: "pull" | "plug" | "clear" } | ({ action: "impair" } & Partial<Impairment>);

/** What to do with a disk and a running node. */
export const diskActionSchema = z.enum(["plug", "unplug"]);
export type DiskAction = z.infer<typeof diskActionSchema>;

/** What to do to a serial cable. */
export const cableActionSchema = z.enum(["cut", "mend"]);
export type CableAction = z.infer<typeof cableActionSchema>;

export const mconsoleCommandSchema = z.discriminatedUnion("op", [
  z.strictObject({ op: z.enum(["halt", "reboot", "cad", "stop", "go", "version"]) }),
  z.strictObject({ op: z.literal("sysrq"), key: z.enum(["m", "w", "s", "u", "e", "i", "h"]) }),
  z.strictObject({ op: z.literal("config"), device: z.string(), value: z.string().optional() }),
  z.strictObject({ op: z.literal("remove"), device: z.string() }),
  z.strictObject({ op: z.literal("proc"), file: z.string() }),
]);

/** What a lab's run holds: for quotas (what an owner runs) and the labs list. */
export interface RunUsage {
  up: boolean;
  /** Nodes up (booting or running) and their guest memory. */
  nodes: number;
  memoryMiB: number;
}

/** What a node action would start, so the server can check images, kernels and quotas first. */
export interface ActionPlan {
  /** The definition the node would (re)start with; null when the action starts nothing. */
  starts: Node | null;
  labUp: boolean;
  nodeUp: boolean;
}

/**
 * What a console viewer gets on attaching: the screen as it is, the number
 * of the last output chunk it holds (each "console" event carries its
 * chunk's number, so a viewer keeps only what is newer), and the node's state.
 */
export interface ConsoleSnapshot {
  screen: string;
  seq: number;
  state: NodeState;
}

/**
 * Every command a server may give the engine, and nothing that reaches into
 * its runs. Labs are named by id; a definition (Lab) is passed where the
 * engine needs the saved one. Each command that changes a lab answers with
 * its state at the revision that change made. Events: "patch" (LiveEvent;
 * the machine's builds too, under BUILDS), "console" (id, node, data, seq) and "capture-rows" (id, capture, PacketRow[]). All of it is data, so the same interface
 * is served in this process (LocalEngine) or over a socket.
 */
export interface EngineApi extends Pick<EventEmitter, "on" | "off"> {
  status(id: string, lab: Lab): Promise<LabStatus>;
  /** The definition a running lab runs with (changes are shown against it); null when it is not running. */
  running(id: string): Promise<Lab | null>;
  usage(ids: string[]): Promise<Record<string, RunUsage>>;
  startLab(id: string, lab: Lab): Promise<LabStatus>;
  /** A lab already up: starts every node that is not; the memory those nodes take (for the quota) is `plan`'s. */
  startDown(id: string, lab: Lab): Promise<LabStatus>;
  downNodes(id: string): Promise<Node[]>;
  stopLab(id: string, lab: Lab): Promise<LabStatus>;
  plan(id: string, saved: Lab, node: string, action: NodeAction): Promise<ActionPlan>;
  nodeAction(id: string, saved: Lab, node: string, action: NodeAction): Promise<LabStatus>;
  pauseSwitch(id: string, sw: string, paused: boolean): Promise<LabStatus>;
  linkAction(id: string, node: string, index: number, req: LinkRequest): Promise<LabStatus>;
  /** Plugs one of the lab's disks into a running node (the first free slot), or unplugs it; a saved definition gives disks added since the start. */
  diskAction(id: string, saved: Lab, node: string, disk: string, action: DiskAction): Promise<LabStatus>;
  /** Cuts or mends the serial cable on a line (NODE.ttySN, either end). */
  cableAction(id: string, line: string, action: CableAction): Promise<LabStatus>;
  exec(id: string, node: string, script: string, timeoutS: number): Promise<ExecResult>;
  mconsole(id: string, node: string, cmd: MconsoleCommand): Promise<MconsoleReply>;
  /** A console: a node's, or the terminal of a serial line with no cable (named NODE.ttySN). */
  attach(id: string, node: string): Promise<ConsoleSnapshot>;
  input(id: string, node: string, data: string): void;
  resize(id: string, node: string, cols: number, rows: number): void;
  /** Plays the saved lab's scenario on its running lab (its steps are engine commands); its progress comes as patches. */
  playScenario(id: string, saved: Lab): Promise<ScenarioState>;
  stopScenario(id: string): Promise<ScenarioState>;
  scenarioState(id: string): Promise<ScenarioState>;
  kernelUsers(kernel: string): Promise<string[]>;
  /**
   * Kernels and images: built by the engine, in the background, so a build
   * goes on while the web server restarts. Their progress is committed as
   * patches of BUILDS (live.ts); the lists answer with the revision they
   * were read at.
   */
  kernelList(): Promise<{ kernels: KernelInfo[]; build: KernelBuildState; rev: number }>;
  buildFastKernel(): Promise<KernelBuildState>;
  buildCustomKernel(req: CustomKernelRequest): Promise<KernelBuildState>;
  removeKernel(name: string): Promise<{ removed: string; cancelled: boolean; builds: number }>;
  /** Throws (KernelError) unless every kernel chosen is built. */
  kernelsReady(choices: (string | null)[]): Promise<void>;
  imageList(): Promise<{ images: ImageInfo[]; rev: number }>;
  buildImage(name: string): Promise<ImageStatus>;
  /** Keeps a user's image recipe (engine data) and starts building its image. */
  addImageRecipe(recipe: ImageRecipe): Promise<ImageStatus>;
  /** Removes a user's recipe and its images (cancelling its build); not while a running node boots from it. */
  removeImageRecipe(name: string): Promise<{ removed: string; cancelled: boolean; images: number }>;
  /** Throws (ImageError) unless every image named is built. */
  imagesReady(names: string[]): Promise<void>;
  removeLabFiles(id: string): Promise<void>;
  /** Deletes the disks of nodes not in `keep` and not up: a node deleted from its lab, so a later one of that name starts clean. */
  pruneNodeFiles(id: string, keep: string[], keepDisks: string[] | null): Promise<string[]>;
  rekeyLabFiles(from: string, to: string): Promise<boolean>;
  /** A lab's snapshots (lab-disks.ts), oldest first. */
  snapshots(id: string): Promise<SnapshotInfo[]>;
  /** Copies the disks of the lab (or of `node`) with its definition; running guests are frozen for the copy. */
  takeSnapshot(id: string, lab: Lab, name: string, node: string | null): Promise<SnapshotInfo>;
  /** Puts a snapshot's disks back (all, or `node`'s), which must be stopped; answers the definition it was taken with. */
  restoreSnapshot(id: string, snapshot: string, node: string | null): Promise<{ definition: string; nodes: string[] }>;
  removeSnapshot(id: string, snapshot: string): Promise<SnapshotInfo>;
  /** Copies the disks of `nodes` from a lab to another, not running; answers the nodes that had one. */
  copyLabDisks(from: string, to: string, nodes: string[]): Promise<string[]>;
  /** A share link's own copy of the lab's disks and definition (not among its snapshots); `name` is the link's id. */
  takeShareSnapshot(id: string, lab: Lab, name: string): Promise<SnapshotInfo>;
  removeShareSnapshot(id: string, snapshot: string): Promise<SnapshotInfo>;
  /** Copies a share link's disks into a new lab (a fork), not running; answers the nodes that had one. */
  copyShareDisks(from: string, snapshot: string, to: string): Promise<string[]>;
  /** A new image `name` from a node's disk folded over its image (uml_moo); a running node is frozen for it. */
  mergeNodeDisk(id: string, lab: Lab, node: string, name: string): Promise<ImageInfo>;
  /**
   * Whole-lab archives (lab-archives.ts), through files under the data
   * root's transfer folder named by a token the server chose: export writes
   * TOKEN.umlab; unpack reads the TOKEN.umlab the server uploaded and answers
   * its definition; adopt moves its disks into the lab the server made of it.
   * `images`: the archive carries the images the lab boots too.
   */
  exportLabArchive(id: string, lab: Lab, token: string, images: boolean): Promise<ArchiveSummary>;
  unpackLabArchive(token: string): Promise<UnpackedLab>;
  adoptLabArchive(token: string, id: string, lab: Lab): Promise<string[]>;
  dropLabArchive(token: string): Promise<void>;
  /** Captures of a running lab (capture/captures.ts); rows come as "capture-rows" events (id, capture, PacketRow[], rows skipped before these). */
  startCapture(id: string, req: CaptureRequest): Promise<CaptureInfo>;
  stopCapture(id: string, capture: string): Promise<CaptureInfo>;
  removeCapture(id: string, capture: string): Promise<void>;
  /** Whether someone views a capture's rows: "capture-rows" come only while one does (a capture nobody watches costs only its ring). */
  watchCapture(id: string, capture: string, on: boolean): Promise<void>;
  /** A capture and its newest rows, for a viewer that joins. */
  captureRecent(id: string, capture: string): Promise<{ info: CaptureInfo; rows: PacketRow[] }>;
  /** Writes what a capture holds under the transfer folder: TOKEN.pcapng, or TOKEN.txt for a cable's. */
  exportCapture(id: string, capture: string, token: string): Promise<{ file: string; bytes: number; format: "pcapng" | "text" }>;
}
