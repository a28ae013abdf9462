import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { can, ForbiddenError, type Principal } from "../auth/permissions";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import type { PublishRequest } from "../model/classroom";
import { JOIN_CODE, type ClassStore, type StoredAssignment, type StoredClass, type StoredInstance } from "../store/class-store";
import { NotFoundError } from "../store/lab-store";
import { runChecks, type CheckReport } from "./check-service";
import { assertOpen, InstancePolicy, teaches } from "./class-policy";
import type { LabService } from "./lab-service";

export interface ClassSummary {
  id: string;
  name: string;
  /** What the asker is in it. */
  role: "teacher" | "student";
  teacher: string;
  createdAt: string;
}

export interface AssignmentView {
  id: string;
  classId: string;
  title: string;
  handout: string;
  idleMinutes: number | null;
  opensAt: string | null;
  closesAt: string | null;
  /** Within its window (or it has none). */
  open: boolean;
  createdAt: string;
  /** The teacher's lab it came from (its name), for the teacher. */
  from?: string;
  /** The asker's own instance, once opened. */
  mine?: { labId: string; lab: string } | null;
}

export interface ClassDetail extends ClassSummary {
  /** The teacher's: the code students join with, and who joined. */
  joinCode?: string;
  members?: { id: string; name: string; email: string; joinedAt: string }[];
  assignments: AssignmentView[];
  messages: { text: string; at: string }[];
}

/** One student's row on the teacher's console. */
export interface BoardRow {
  student: { id: string; name: string; email: string };
  instance: { labId: string; lab: string; running: boolean; nodesUp: number; nodes: number; lastActivity: string } | null;
  /** Their last check report (JSON as the checks service answered), null before the first. */
  report: unknown;
}

export interface Board {
  assignment: AssignmentView;
  className: string;
  rows: BoardRow[];
}

/** What the class service tells the consoles (realtime/consoles.ts sends it on). */
export interface ClassEvents {
  /** Something on an assignment's board changed (an instance made, a report): its teacher's pages fetch it again. */
  changed: [teacherId: string, classId: string, assignmentId: string | null];
  /** A message to a class: to each of its students. */
  message: [userIds: string[], payload: { classId: string; className: string; text: string; at: string }];
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * Classes: a teacher makes one and students join it with its code; the
 * teacher publishes a lab to it (its definition and disks as they are then,
 * kept as an engine share snapshot of the teacher's lab); each student who
 * opens the assignment gets an instance of their own (a fork of that state:
 * the COWs copied sparse, the images never). The teacher resets or stops
 * the instances and sees them on one board; who may see and start an
 * instance, and its idle stop, are class-policy.ts's. A student sees
 * nothing of another's instance.
 */
export class ClassService extends EventEmitter<ClassEvents> {
  /** Who supervises an instance, when it may start, and its idle stop (class-policy.ts): the LabService asks it. */
  readonly policy: InstancePolicy;

  constructor(
    private readonly labs: LabService,
    private readonly store: ClassStore,
  ) {
    super();
    this.policy = new InstancePolicy(labs, store);
    labs.setPolicy(this.policy);
  }

  // ---- classes

  async create(who: Principal, name: string): Promise<ClassDetail> {
    if (!can(who, "Class.Teach")) throw new ForbiddenError(`making a class needs the Class.Teach privilege, which the ${who.role} role does not have`);
    return this.detail(who, await this.store.create(name, who.id));
  }

  async list(who: Principal): Promise<ClassSummary[]> {
    const { teaches, attends } = can(who, "Class.All") ? { teaches: await this.store.all(), attends: [] } : await this.store.of(who.id);
    return Promise.all([...teaches.map((c) => this.summary(c, "teacher")), ...attends.map((c) => this.summary(c, "student"))]);
  }

  async get(who: Principal, ref: string): Promise<ClassDetail> {
    return this.detail(who, await this.visible(who, ref));
  }

  async remove(who: Principal, ref: string): Promise<void> {
    const c = await this.taught(who, ref);
    for (const a of await this.store.assignments(c.id)) await this.unpublish(who, a.id);
    await this.store.remove(c.id);
  }

  async join(who: Principal, code: string): Promise<ClassDetail> {
    const c = await this.store.byCode(code);
    if (!c) throw new NotFoundError(`no class has the code "${code.slice(0, 16)}"`);
    if (c.teacherId !== who.id) await this.store.addMember(c.id, who.id);
    this.emit("changed", c.teacherId, c.id, null);
    return this.detail(who, c);
  }

  async addMember(who: Principal, ref: string, email: string): Promise<ClassDetail> {
    const c = await this.taught(who, ref);
    const user = await this.store.userByEmail(email);
    if (!user) throw new NotFoundError(`no user with the email ${email}`);
    await this.store.addMember(c.id, user.id);
    return this.detail(who, c);
  }

  async removeMember(who: Principal, ref: string, userId: string): Promise<ClassDetail> {
    const c = await this.taught(who, ref);
    await this.store.removeMember(c.id, userId);
    return this.detail(who, c);
  }

  async message(who: Principal, ref: string, text: string): Promise<{ text: string; at: string }> {
    const c = await this.taught(who, ref);
    const m = await this.store.message(c.id, text);
    const at = m.createdAt.toISOString();
    this.emit("message", (await this.store.members(c.id)).map((x) => x.userId), { classId: c.id, className: c.name, text: m.text, at });
    return { text: m.text, at };
  }

  // ---- assignments

  async publish(who: Principal, ref: string, req: PublishRequest): Promise<AssignmentView> {
    const c = await this.taught(who, ref);
    const s = await this.labs.mine(who, req.lab);
    const snap = await this.labs.engine.takeShareSnapshot(s.id, s.lab, `class-${randomBytes(6).toString("hex")}`);
    try {
      const a = await this.store.publish({
        classId: c.id,
        title: req.title ?? s.name,
        labId: s.id,
        yaml: serializeLabYaml(s.lab),
        snapshot: snap.id,
        handout: req.handout ?? "",
        idleMinutes: req.idleMinutes ?? null,
        opensAt: req.opensAt ? new Date(req.opensAt) : null,
        closesAt: req.closesAt ? new Date(req.closesAt) : null,
      });
      this.emit("changed", c.teacherId, c.id, a.id);
      return this.view(a, "teacher", s.name);
    } catch (e) {
      await this.labs.engine.removeShareSnapshot(s.id, snap.id).catch(() => {});
      throw e;
    }
  }

  /** Removes an assignment; the students' instances stay theirs, as labs of their own. */
  async unpublish(who: Principal, id: string): Promise<void> {
    const { a } = await this.teaching(who, id);
    await this.store.unpublish(a.id);
    await this.labs.engine.removeShareSnapshot(a.labId, a.snapshot).catch(() => {});
  }

  /** The asker's own instance of an assignment: made on the first open (a fork of the published state). */
  async open(who: Principal, id: string): Promise<{ labId: string; lab: string; created: boolean }> {
    const a = await this.store.assignment(id);
    const c = await this.store.get(a.classId);
    if (c.teacherId !== who.id && !(await this.store.isMember(c.id, who.id))) throw new NotFoundError(`no assignment "${id.slice(0, 60)}"`);
    const have = await this.store.instance(a.id, who.id);
    if (have) return { labId: have.labId, lab: (await this.labs.store.get(have.labId)).name, created: false };
    assertOpen(a, c, who);
    const def = parseLabYaml(a.yaml, `${a.title}.yaml`);
    const lab = await this.labs.importYaml(who, serializeLabYaml({ ...def, name: await this.labs.freeName(def.name, who) }));
    try {
      await this.labs.engine.copyShareDisks(a.labId, a.snapshot, lab.id);
      await this.store.addInstance(a.id, who.id, lab.id);
    } catch (e) {
      await this.labs.remove(who, lab.id).catch(() => {});
      // Two opens at once: the other made it.
      const other = await this.store.instance(a.id, who.id);
      if (other) return { labId: other.labId, lab: (await this.labs.store.get(other.labId)).name, created: false };
      throw e;
    }
    this.emit("changed", c.teacherId, c.id, a.id);
    return { labId: lab.id, lab: lab.name, created: true };
  }

  /**
   * Back to the published state: one student's instance (by user id or
   * email; a student may reset their own), or every instance. What ran is
   * stopped, its disks and definition put back, and started again.
   */
  async reset(who: Principal, id: string, target: { student?: string; all?: boolean }): Promise<{ reset: string[] }> {
    const a = await this.store.assignment(id);
    const c = await this.store.get(a.classId);
    const teacher = teaches(who, c);
    let instances: StoredInstance[];
    if (target.all) {
      if (!teacher) throw new ForbiddenError("only the class's teacher resets every instance");
      instances = await this.store.instances(a.id);
    } else {
      const userId = target.student ? ((await this.store.userByEmail(target.student))?.id ?? target.student) : who.id;
      if (userId !== who.id && !teacher) throw new NotFoundError(`no assignment "${id.slice(0, 60)}"`);
      const inst = await this.store.instance(a.id, userId);
      if (!inst) throw new NotFoundError(`${userId === who.id ? "you have" : "that student has"} no instance of "${a.title}" yet`);
      instances = [inst];
    }
    const done: string[] = [];
    for (const inst of instances) done.push(await this.resetOne(who, a, inst));
    this.emit("changed", c.teacherId, c.id, a.id);
    return { reset: done };
  }

  async stopAll(who: Principal, id: string): Promise<{ stopped: string[] }> {
    const { a } = await this.teaching(who, id);
    const stopped: string[] = [];
    for (const inst of await this.store.instances(a.id)) {
      const s = await this.labs.store.get(inst.labId);
      if ((await this.labs.engine.running(s.id)) === null) continue;
      await this.labs.stop(who, s.id);
      stopped.push(s.name);
    }
    return { stopped };
  }

  /** The teacher's console: every student of the class, with their instance's state and last report. */
  async board(who: Principal, id: string): Promise<Board> {
    const { a, c } = await this.teaching(who, id);
    const [members, instances] = await Promise.all([this.store.members(c.id), this.store.instances(a.id)]);
    const byUser = new Map(instances.map((i) => [i.userId, i]));
    const usage = await this.labs.engine.usage(instances.map((i) => i.labId));
    const labs = new Map((await Promise.all(instances.map((i) => this.labs.store.get(i.labId).catch(() => null)))).flatMap((s) => (s ? [[s.id, s]] : [])));
    const rows: BoardRow[] = members.map((m) => {
      const inst = byUser.get(m.userId);
      const s = inst ? labs.get(inst.labId) : undefined;
      const use = inst ? usage[inst.labId] : undefined;
      return {
        student: { id: m.userId, name: m.name, email: m.email },
        instance:
          inst && s
            ? { labId: s.id, lab: s.name, running: !!use?.up, nodesUp: use?.nodes ?? 0, nodes: s.lab.nodes.length, lastActivity: this.policy.lastActivity(inst).toISOString() }
            : null,
        report: inst?.report ? (JSON.parse(inst.report) as unknown) : null,
      };
    });
    return { assignment: await this.view(a, "teacher"), className: c.name, rows };
  }

  /** For a lab's workspace: the assignment and class it is an instance of (handout, messages), or null. */
  async context(who: Principal, ref: string): Promise<{ assignment: AssignmentView; className: string; messages: { text: string; at: string }[]; supervised: boolean } | null> {
    const s = await this.labs.mine(who, ref);
    const inst = await this.store.instanceOfLab(s.id);
    if (!inst) return null;
    const { class: c, ...a } = inst.assignment;
    const messages = (await this.store.messages(c.id, 5)).map((m) => ({ text: m.text, at: m.createdAt.toISOString() }));
    return { assignment: await this.view(a, teaches(who, c) ? "teacher" : "student"), className: c.name, messages, supervised: who.id !== s.owner };
  }

  /** Runs the checks (hidden ones too) of every running instance, a few at a time, and keeps each report for the board. */
  async checkAll(who: Principal, id: string): Promise<{ checked: string[] }> {
    const { a } = await this.teaching(who, id);
    const instances = await this.store.instances(a.id);
    const usage = await this.labs.engine.usage(instances.map((i) => i.labId));
    const todo = instances.filter((i) => usage[i.labId]?.up);
    const checked: string[] = [];
    const worker = async () => {
      for (let inst = todo.shift(); inst; inst = todo.shift()) {
        const report = await runChecks(this.labs, who, inst.labId, { includeHidden: true });
        await this.record(inst.labId, report);
        checked.push(report.lab);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return { checked };
  }

  /** Whether a lab's hidden checks may be shown to its student: it is an instance of an assignment whose window has closed. */
  async revealsHidden(ref: string): Promise<boolean> {
    const s = await this.labs.store.get(ref).catch(() => null);
    const inst = s ? await this.store.instanceOfLab(s.id) : null;
    return !!inst?.assignment.closesAt && inst.assignment.closesAt.getTime() <= Date.now();
  }

  /** A check report of a lab (by id or name): kept for the teacher's console when the lab is an instance. */
  async record(ref: string, report: CheckReport): Promise<void> {
    const s = await this.labs.store.get(ref).catch(() => null);
    const inst = s ? await this.store.instanceOfLab(s.id) : null;
    if (!s || !inst) return;
    const labId = s.id;
    await this.store.report(labId, JSON.stringify(report));
    this.emit("changed", inst.assignment.class.teacherId, inst.assignment.classId, inst.assignmentId);
  }

  // ---- helpers

  private async resetOne(who: Principal, a: StoredAssignment, inst: StoredInstance): Promise<string> {
    const s = await this.labs.store.get(inst.labId);
    const wasUp = (await this.labs.engine.running(s.id)) !== null;
    if (wasUp) await this.labs.stop(who, s.id);
    await this.labs.engine.pruneNodeFiles(s.id, [], []);
    await this.labs.engine.copyShareDisks(a.labId, a.snapshot, s.id);
    await this.labs.restoreDefinition(who, s.id, { ...parseLabYaml(a.yaml, `${a.title}.yaml`), name: s.name });
    if (wasUp) await this.labs.start(who, s.id);
    return s.name;
  }

  /** A class its teacher (or an admin) or a member may see; anyone else gets a 404, as for a missing one. */
  private async visible(who: Principal, ref: string): Promise<StoredClass> {
    const c = await this.find(ref);
    if (teaches(who, c) || (await this.store.isMember(c.id, who.id))) return c;
    throw new NotFoundError(`no class "${ref.slice(0, 60)}"`);
  }

  private async taught(who: Principal, ref: string): Promise<StoredClass> {
    const c = await this.visible(who, ref);
    if (!teaches(who, c)) throw new ForbiddenError(`only the teacher of ${c.name} may do that`);
    return c;
  }

  private async teaching(who: Principal, assignmentId: string): Promise<{ a: StoredAssignment; c: StoredClass }> {
    const a = await this.store.assignment(assignmentId);
    const c = await this.taught(who, a.classId).catch((e: Error) => Promise.reject(e.name === "ForbiddenError" ? new NotFoundError(`no assignment "${assignmentId.slice(0, 60)}"`) : e));
    return { a, c };
  }

  /** By id, or by join code. */
  private async find(ref: string): Promise<StoredClass> {
    if (JOIN_CODE.test(ref)) {
      const byCode = await this.store.byCode(ref);
      if (byCode) return byCode;
    }
    return this.store.get(ref);
  }

  private async summary(c: StoredClass, role: "teacher" | "student"): Promise<ClassSummary> {
    return { id: c.id, name: c.name, role, teacher: await this.store.userName(c.teacherId), createdAt: c.createdAt.toISOString() };
  }

  private async detail(who: Principal, c: StoredClass): Promise<ClassDetail> {
    const role = teaches(who, c) ? "teacher" : "student";
    const assignments = await Promise.all((await this.store.assignments(c.id)).map(async (a) => this.view(a, role, undefined, role === "student" ? who.id : undefined)));
    const messages = (await this.store.messages(c.id)).map((m) => ({ text: m.text, at: m.createdAt.toISOString() }));
    const base = { ...(await this.summary(c, role)), assignments, messages };
    if (role === "student") return base;
    const members = (await this.store.members(c.id)).map((m) => ({ id: m.userId, name: m.name, email: m.email, joinedAt: m.joinedAt.toISOString() }));
    return { ...base, joinCode: c.joinCode, members };
  }

  private async view(a: StoredAssignment, role: "teacher" | "student", from?: string, student?: string): Promise<AssignmentView> {
    const now = Date.now();
    const v: AssignmentView = {
      id: a.id,
      classId: a.classId,
      title: a.title,
      handout: a.handout,
      idleMinutes: a.idleMinutes,
      opensAt: iso(a.opensAt),
      closesAt: iso(a.closesAt),
      open: (!a.opensAt || a.opensAt.getTime() <= now) && (!a.closesAt || a.closesAt.getTime() > now),
      createdAt: a.createdAt.toISOString(),
    };
    if (role === "teacher") v.from = from ?? (await this.labs.store.get(a.labId).then((s) => s.name, () => "?"));
    if (student) {
      const inst = await this.store.instance(a.id, student);
      v.mine = inst ? { labId: inst.labId, lab: (await this.labs.store.get(inst.labId).catch(() => null))?.name ?? "?" } : null;
    }
    return v;
  }
}
