import type { FrameDetail, LoadResult, MatchedFrame } from "./decoder";

/** What the page asks the decoding worker (decode.worker.ts), one request at a time per id. */
export type DecodeRequest =
  | { id: number; op: "load"; bytes: ArrayBuffer }
  | { id: number; op: "check"; filter: string }
  | { id: number; op: "filter"; filter: string }
  | { id: number; op: "frame"; number: number };

export interface DecodeResults {
  load: LoadResult;
  check: string | null;
  filter: { matched: number; frames: MatchedFrame[] };
  frame: FrameDetail;
}

/** `dead`: the decoder cannot go on (its wasm aborted, or it never started): start a new worker. */
export type DecodeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; dead?: boolean };
