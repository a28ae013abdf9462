import { can, type Principal } from "../auth/permissions";
import { QuotaError, quotaProblem, type QuotaSettings, type Usage } from "../auth/quotas";
import type { EngineApi } from "../engine/api";
import type { LabStore } from "../store/lab-store";

/** The quotas applied to starts: what a lab's owner runs now, and whether a start may add to it. */
export class QuotaCheck {
  constructor(
    private readonly store: LabStore,
    private readonly engine: EngineApi,
    private readonly quotas: QuotaSettings,
  ) {}

  /** What `owner` runs now: labs up, nodes up and their guest memory. */
  async usage(owner: string): Promise<Usage> {
    const u: Usage = { labs: 0, nodes: 0, memoryMiB: 0 };
    const ids = (await this.store.list()).filter((s) => s.owner === owner).map((s) => s.id);
    for (const run of Object.values(await this.engine.usage(ids))) {
      if (!run.up) continue;
      u.labs++;
      u.nodes += run.nodes;
      u.memoryMiB += run.memoryMiB;
    }
    return u;
  }

  /** Refuses (QuotaError, nothing started) a start by `who` that would take the lab's owner past a quota. */
  async check(who: Principal, owner: string, adding: Usage): Promise<void> {
    if (can(who, "Quota.Exempt")) return;
    const problem = quotaProblem(await this.quotas.get(), await this.usage(owner), adding);
    if (problem) throw new QuotaError(problem);
  }
}
