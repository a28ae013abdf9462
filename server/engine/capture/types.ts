import { z } from "zod";
import type { FrameSummary } from "./summary";

/**
 * What can be captured: a whole switch or hub (every frame crossing it), one
 * link (a node's interface, where it enters its switch), or a serial cable.
 */
export const captureTargetSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("switch"), name: z.string().min(1).max(64) }),
  z.strictObject({ kind: z.literal("link"), node: z.string().min(1).max(64), iface: z.string().regex(/^eth\d{1,2}$/) }),
  /** A serial cable, by either of its lines ("one.ttyS2"): the bytes each end writes, as text. */
  z.strictObject({ kind: z.literal("cable"), line: z.string().min(1).max(80) }),
]);
export type CaptureTarget = z.infer<typeof captureTargetSchema>;

/** Ring sizes a user may choose, in MiB of frames held (the oldest go first). */
export const RING_MIB = { min: 1, max: 256, default: 16 } as const;

export const captureRequestSchema = z.strictObject({
  target: captureTargetSchema,
  ringMiB: z.number().int().min(RING_MIB.min).max(RING_MIB.max).optional(),
});
export type CaptureRequest = z.infer<typeof captureRequestSchema>;

/** A capture of a running lab, as the API and the socket show it. */
export interface CaptureInfo {
  /** Short id, unique in its lab ("c1", "c2"…). */
  id: string;
  target: CaptureTarget;
  /** "switch sw1", "link node01.eth0", "cable one.ttyS2—two.ttyS2". */
  label: string;
  state: "running" | "stopped";
  /** When it started, ms since the epoch. */
  started: number;
  /** Frames seen in all, and how many of them left the ring. */
  packets: number;
  dropped: number;
  /** Bytes of frames held. */
  bytes: number;
  ringMiB: number;
  /** Why it stopped by itself (its tap died, the lab stopped); null otherwise. */
  error: string | null;
}

/** One row of the live packet list: the light parse of one frame. */
export interface PacketRow extends FrameSummary {
  /** Its number in the capture, from 1; the same number as in the pcapng. */
  no: number;
  /** When it was seen, µs since the epoch. */
  usec: number;
  /** Toward the node (in) or from it (out), on a link; absent on a hub. */
  dir?: "in" | "out";
}

/**
 * Rows the engine sends a viewer at most per batch (a batch every 15 ms: 8,000 rows a second, more than a
 * list can show; a flood's other frames are in the ring and the pcapng, counted as missed in the list).
 * One that falls behind gets the newest and a count of what it missed.
 */
export const MAX_ROWS_PER_BATCH = 120;

/** A batch of rows of one capture (socket "capture:rows"). `missed`: rows skipped before these (the viewer fell behind). */
export interface CaptureRows {
  lab: string;
  capture: string;
  rows: PacketRow[];
  missed: number;
}
