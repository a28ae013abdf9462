import { z } from "zod";

/**
 * Share links, as the API, the CLI and the pages see them. A link is a
 * capability: its token alone lets anyone see the lab read-only, and lets a
 * signed-in user fork it when the owner allowed that.
 */

/** Which disks a fork gets: as they were when the link was made, or as they are when someone forks. */
export const SHARE_DISKS = ["snapshot", "live"] as const;
export type ShareDisks = (typeof SHARE_DISKS)[number];

/** A token: 24 random bytes, base64url. Anything else is not looked up. */
export const SHARE_TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** The longest a link may live: a year. */
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
const UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 24 * 3600_000, w: 7 * 24 * 3600_000 };

/** "30m", "12h", "7d", "2w" to milliseconds; null when it is not such a duration or longer than a year. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,4})([mhdw])$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2]];
  return ms > 0 && ms <= MAX_LIFETIME_MS ? ms : null;
}

export const shareRequestSchema = z.strictObject({
  disks: z.enum(SHARE_DISKS).default("snapshot"),
  fork: z.boolean().default(true),
  /** How long the link works: "30m", "12h", "7d", "2w"; absent or null, until revoked. */
  expiresIn: z
    .string()
    .max(8)
    .nullable()
    .optional()
    .refine((v) => v == null || parseDuration(v) !== null, 'expiresIn is a duration such as "30m", "12h", "7d" or "2w", at most a year'),
});
export type ShareRequest = z.infer<typeof shareRequestSchema>;

/** A link as its owner sees it (with the token, to copy it again). */
export interface ShareInfo {
  id: string;
  token: string;
  /** Where it opens, from this server's root: /share/TOKEN. */
  path: string;
  labId: string;
  disks: ShareDisks;
  fork: boolean;
  forks: number;
  createdAt: string;
  expiresAt: string | null;
  expired: boolean;
}

export const forkRequestSchema = z.strictObject({
  /** The fork's name; absent, the lab's name with the forker's, made unique. */
  name: z.string().max(64).optional(),
});
