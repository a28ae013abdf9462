import { can, ForbiddenError, SYSTEM, type Principal } from "../auth/permissions";
import type { ClassStore, StoredAssignment, StoredClass, StoredInstance } from "../store/class-store";
import type { LabPolicy, LabService } from "./lab-service";

/** How often idle and closed instances are looked for. */
const SWEEP_MS = 30_000;

/** A class's teacher, or anyone who may run every class. */
export const teaches = (who: Principal, c: StoredClass): boolean => c.teacherId === who.id || can(who, "Class.All");

/** Students open and start an assignment only inside its window; its teacher any time. */
export function assertOpen(a: StoredAssignment, c: StoredClass, who: Principal): void {
  if (teaches(who, c)) return;
  const now = Date.now();
  if (a.opensAt && a.opensAt.getTime() > now) throw new ForbiddenError(`"${a.title}" opens at ${a.opensAt.toISOString().replace("T", " ").slice(0, 16)} UTC`);
  if (a.closesAt && a.closesAt.getTime() <= now) throw new ForbiddenError(`"${a.title}" closed at ${a.closesAt.toISOString().replace("T", " ").slice(0, 16)} UTC`);
}

/**
 * The classroom's rules for students' instances, as the LabService asks
 * them for every lab: the class's teacher supervises an instance (sees and
 * controls it like its owner), an exam window refuses starts, and an
 * instance its owner left idle longer than its assignment allows (or past
 * its window) is stopped by a sweep every 30 s, its disks kept.
 */
export class InstancePolicy implements LabPolicy {
  /** Owners' activity in their instances since the last sweep, by lab id (written to the database then). */
  private readonly activity = new Map<string, Date>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly labs: LabService,
    private readonly store: ClassStore,
  ) {}

  async supervises(who: Principal, labId: string): Promise<boolean> {
    const inst = await this.store.instanceOfLab(labId);
    return !!inst && teaches(who, inst.assignment.class);
  }

  async mayStart(who: Principal, labId: string): Promise<void> {
    const inst = await this.store.instanceOfLab(labId);
    if (inst) assertOpen(inst.assignment, inst.assignment.class, who);
  }

  touched(labId: string): void {
    this.activity.set(labId, new Date());
  }

  /** Looks for idle and closed instances every 30 s; `stopSweeping()` ends it. */
  startSweeping(): void {
    this.timer ??= setInterval(() => void this.sweep().catch((e: Error) => console.error(`umlab: class sweep: ${e.message}`)), SWEEP_MS);
    this.timer.unref();
  }

  stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops running instances idle longer than their assignment allows, or past its window; answers the labs stopped. */
  async sweep(now = new Date()): Promise<string[]> {
    const seen = [...this.activity];
    this.activity.clear();
    for (const [labId, at] of seen) await this.store.activity(labId, at);
    const stopped: string[] = [];
    for (const a of await this.store.timed()) {
      const instances = await this.store.instances(a.id);
      const usage = await this.labs.engine.usage(instances.map((i) => i.labId));
      for (const inst of instances) {
        if (!usage[inst.labId]?.up) continue;
        const closed = !!a.closesAt && a.closesAt <= now;
        const idle = a.idleMinutes !== null && now.getTime() - this.lastActivity(inst).getTime() > a.idleMinutes * 60_000;
        if (!closed && !idle) continue;
        await this.labs.stop(SYSTEM, inst.labId).catch((e: Error) => console.error(`umlab: could not stop an idle instance: ${e.message}`));
        stopped.push(inst.labId);
      }
    }
    return stopped;
  }

  /** The owner's last activity in an instance: since the last sweep, or as the database has it. */
  lastActivity(inst: StoredInstance): Date {
    const recent = this.activity.get(inst.labId);
    return recent && recent > inst.lastActivity ? recent : inst.lastActivity;
  }
}
