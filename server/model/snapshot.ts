import { z } from "zod";

/** A snapshot's name, as people give it: one line of text. */
export const snapshotNameSchema = z
  .string()
  .trim()
  .min(1, "a snapshot needs a name")
  .max(64, "a snapshot name is at most 64 characters")
  .regex(/^[^\x00-\x1f\x7f]+$/, "a snapshot name is one line of text");
