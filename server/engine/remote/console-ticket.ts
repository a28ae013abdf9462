import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Tickets to the engine's console door (console-door.ts). The web server,
 * which knows who is asking and what they may see, signs one for a single
 * console; the browser presents it to the engine within TICKET_MS, and
 * the engine, which knows nothing of users, checks the signature, the time
 * and that it was never used. The key is derived from the engine's shared
 * secret, so the secret itself never leaves the two servers.
 */

/** A ticket opens a door this long after it was made, once. */
export const TICKET_MS = 30_000;
/** Longer is not a ticket of ours: refused before any work. */
const MAX_TICKET = 2048;

export const ticketClaims = z.strictObject({
  /** The lab's id and the console (a node, or NODE.ttySN) the ticket opens: nothing else. */
  lab: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/),
  node: z.string().min(1).max(64),
  /** Who asked, for the lab's owner to see when someone else types (a teacher). */
  user: z.string().min(1).max(200),
  name: z.string().max(200),
  /** The lab is another user's (a teacher's view of a student's instance). */
  supervised: z.boolean(),
  /** The Origin of the page that asked (null: a client that is no browser); the door takes it from that origin only. */
  origin: z.string().max(300).nullable(),
  /** When it stops opening the door, ms since the epoch. */
  exp: z.number().int().positive(),
  /** Makes each ticket one of its kind, so a used one is known again. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

export type TicketClaims = z.infer<typeof ticketClaims>;

/** The door's key: a function of the engine's secret, not the secret. */
export function ticketKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("umlab console ticket v1").digest();
}

export function signTicket(key: Buffer, claims: Omit<TicketClaims, "exp" | "nonce">, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ ...claims, exp: now + TICKET_MS, nonce: randomBytes(16).toString("base64url") })).toString("base64url");
  return `${body}.${mac(key, body)}`;
}

/** The claims of a ticket signed with `key` that has not expired; null for anything else (why is not told: a door says no). */
export function readTicket(key: Buffer, ticket: unknown, now = Date.now()): TicketClaims | null {
  if (typeof ticket !== "string" || ticket.length > MAX_TICKET) return null;
  const dot = ticket.indexOf(".");
  if (dot < 1) return null;
  const body = ticket.slice(0, dot);
  const given = Buffer.from(ticket.slice(dot + 1));
  const want = Buffer.from(mac(key, body));
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const claims = ticketClaims.safeParse(json);
  if (!claims.success || claims.data.exp <= now || claims.data.exp > now + TICKET_MS + 60_000) return null;
  return claims.data;
}

/** Nonces of tickets used, until they would have expired anyway: a ticket opens the door once. */
export class UsedTickets {
  private readonly used = new Map<string, number>();

  /** true the first time a ticket's nonce is seen; false after. */
  take(claims: TicketClaims, now = Date.now()): boolean {
    if (this.used.size > 1000) for (const [nonce, exp] of this.used) if (exp <= now) this.used.delete(nonce);
    if (this.used.has(claims.nonce)) return false;
    this.used.set(claims.nonce, claims.exp);
    return true;
  }
}

const mac = (key: Buffer, body: string) => createHmac("sha256", key).update(body).digest("base64url");
