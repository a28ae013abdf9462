import { z } from "zod";
import type { Db } from "../store/db";

/** What one user may have running at once; admins set these defaults for everyone. */
export const quotasBody = z.strictObject({
  runningLabs: z.number().int().min(0).max(10_000),
  runningNodes: z.number().int().min(0).max(100_000),
  /** Guest memory of all running nodes together, in MiB. */
  memoryMiB: z.number().int().min(0).max(16 * 1024 * 1024),
});
export type Quotas = z.infer<typeof quotasBody>;

/** Enough for a class's labs on one machine, not enough for one student to take it all. */
export const DEFAULT_QUOTAS: Quotas = { runningLabs: 3, runningNodes: 40, memoryMiB: 4096 };

export interface Usage {
  labs: number;
  nodes: number;
  memoryMiB: number;
}

export class QuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuotaError";
  }
}

/**
 * Why starting `adding` on top of what the user runs (`now`) is refused, or
 * null. Each quota is named with its numbers, so the person knows which one
 * to free up.
 */
export function quotaProblem(q: Quotas, now: Usage, adding: Usage): string | null {
  if (adding.labs && now.labs + adding.labs > q.runningLabs)
    return `quota: at most ${q.runningLabs} running lab${q.runningLabs === 1 ? "" : "s"} per user (you have ${now.labs} running): stop one first`;
  if (adding.nodes && now.nodes + adding.nodes > q.runningNodes)
    return `quota: at most ${q.runningNodes} running nodes per user (you have ${now.nodes}, this adds ${adding.nodes})`;
  if (adding.memoryMiB && now.memoryMiB + adding.memoryMiB > q.memoryMiB)
    return `quota: at most ${q.memoryMiB} MiB of guest memory per user (you use ${now.memoryMiB} MiB, this adds ${adding.memoryMiB} MiB)`;
  return null;
}

const KEY = "quotas";

export class QuotaSettings {
  constructor(private readonly db: Db) {}

  async get(): Promise<Quotas> {
    const row = await this.db.setting.findUnique({ where: { key: KEY } });
    if (!row) return DEFAULT_QUOTAS;
    const parsed = quotasBody.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : DEFAULT_QUOTAS;
  }

  async set(q: Quotas): Promise<Quotas> {
    const value = JSON.stringify(quotasBody.parse(q));
    await this.db.setting.upsert({ where: { key: KEY }, create: { key: KEY, value }, update: { value } });
    return this.get();
  }
}
