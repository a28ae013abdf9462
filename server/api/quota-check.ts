import { can, type Principal } from "../auth/permissions";
import { QuotaError, quotaProblem, type QuotaSettings, type Usage } from "../auth/quotas";
import type { Engine } from "../engine/engine";
import type { LabStore } from "../store/lab-store";

/** The quotas applied to starts: what a lab's owner runs now, and whether a start may add to it. */
export class QuotaCheck {
  constructor(
    private readonly store: LabStore,
    private readonly engine: Engine,
    private readonly quotas: QuotaSettings,
  ) {}

  /** What `owner` runs now: labs up, nodes up and their guest memory. */
  async usage(owner: string): Promise<Usage> {
    const u: Usage = { labs: 0, nodes: 0, memoryMiB: 0 };
    for (const s of await this.store.list()) {
      const run = s.owner === owner ? this.engine.run(s.name) : undefined;
      if (!run?.up) continue;
      u.labs++;
      for (const n of run.nodes.values())
        if (n.isUp) {
          u.nodes++;
          u.memoryMiB += n.node.memoryMiB;
        }
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
