import { randomInt } from "node:crypto";
import type { Db } from "./db";
import { ConflictError, NotFoundError } from "./lab-store";

export interface StoredClass {
  id: string;
  name: string;
  teacherId: string;
  joinCode: string;
  createdAt: Date;
}

export interface StoredAssignment {
  id: string;
  classId: string;
  title: string;
  /** The teacher's lab it was published from, and its definition and disks (an engine share snapshot of that lab) then. */
  labId: string;
  yaml: string;
  snapshot: string;
  handout: string;
  idleMinutes: number | null;
  opensAt: Date | null;
  closesAt: Date | null;
  createdAt: Date;
}

export interface StoredInstance {
  id: string;
  assignmentId: string;
  userId: string;
  labId: string;
  lastActivity: Date;
  /** The last check report, as JSON. */
  report: string | null;
  createdAt: Date;
}

export interface Member {
  userId: string;
  name: string;
  email: string;
  joinedAt: Date;
}

/** Join codes: 8 characters people can read out, without 0/O and 1/I/L. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const JOIN_CODE = /^[A-HJKMNP-Z2-9]{8}$/;
const newCode = () => Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");

/** Classes, their members, assignments, students' instances and messages, in the database. */
export class ClassStore {
  constructor(private readonly db: Db) {}

  async create(name: string, teacherId: string): Promise<StoredClass> {
    for (let i = 0; i < 5; i++) {
      const joinCode = newCode();
      if (await this.db.class.findUnique({ where: { joinCode } })) continue;
      return this.db.class.create({ data: { name, teacherId, joinCode } });
    }
    throw new ConflictError("could not find a free join code: try again");
  }

  async get(id: string): Promise<StoredClass> {
    const row = await this.db.class.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`no class "${id.slice(0, 60)}"`);
    return row;
  }

  byCode(code: string): Promise<StoredClass | null> {
    return JOIN_CODE.test(code) ? this.db.class.findUnique({ where: { joinCode: code } }) : Promise.resolve(null);
  }

  all(): Promise<StoredClass[]> {
    return this.db.class.findMany({ orderBy: { createdAt: "asc" } });
  }

  /** Classes `userId` teaches or attends. */
  async of(userId: string): Promise<{ teaches: StoredClass[]; attends: StoredClass[] }> {
    const teaches = await this.db.class.findMany({ where: { teacherId: userId }, orderBy: { createdAt: "asc" } });
    const attends = await this.db.class.findMany({ where: { members: { some: { userId } } }, orderBy: { createdAt: "asc" } });
    return { teaches, attends };
  }

  async remove(id: string): Promise<void> {
    await this.db.class.delete({ where: { id } });
  }

  async members(classId: string): Promise<Member[]> {
    const rows = await this.db.classMember.findMany({ where: { classId }, include: { user: true }, orderBy: { joinedAt: "asc" } });
    return rows.map((r) => ({ userId: r.userId, name: r.user.name, email: r.user.email, joinedAt: r.joinedAt }));
  }

  async isMember(classId: string, userId: string): Promise<boolean> {
    return !!(await this.db.classMember.findUnique({ where: { classId_userId: { classId, userId } } }));
  }

  async addMember(classId: string, userId: string): Promise<void> {
    await this.db.classMember.upsert({ where: { classId_userId: { classId, userId } }, create: { classId, userId }, update: {} });
  }

  async removeMember(classId: string, userId: string): Promise<void> {
    await this.db.classMember.deleteMany({ where: { classId, userId } });
  }

  async userByEmail(email: string): Promise<{ id: string; name: string } | null> {
    return this.db.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true, name: true } });
  }

  async userName(id: string): Promise<string> {
    return (await this.db.user.findUnique({ where: { id }, select: { name: true } }))?.name ?? id;
  }

  publish(a: Omit<StoredAssignment, "id" | "createdAt">): Promise<StoredAssignment> {
    return this.db.assignment.create({ data: a });
  }

  async assignment(id: string): Promise<StoredAssignment> {
    const row = await this.db.assignment.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`no assignment "${id.slice(0, 60)}"`);
    return row;
  }

  assignments(classId: string): Promise<StoredAssignment[]> {
    return this.db.assignment.findMany({ where: { classId }, orderBy: { createdAt: "asc" } });
  }

  /** Every assignment with an idle stop or an exam window: the sweep's work list. */
  timed(): Promise<StoredAssignment[]> {
    return this.db.assignment.findMany({ where: { OR: [{ idleMinutes: { not: null } }, { closesAt: { not: null } }] } });
  }

  async unpublish(id: string): Promise<void> {
    await this.db.assignment.delete({ where: { id } });
  }

  instances(assignmentId: string): Promise<StoredInstance[]> {
    return this.db.instance.findMany({ where: { assignmentId }, orderBy: { createdAt: "asc" } });
  }

  instance(assignmentId: string, userId: string): Promise<StoredInstance | null> {
    return this.db.instance.findUnique({ where: { assignmentId_userId: { assignmentId, userId } } });
  }

  instanceOfLab(labId: string): Promise<(StoredInstance & { assignment: StoredAssignment & { class: StoredClass } }) | null> {
    return this.db.instance.findUnique({ where: { labId }, include: { assignment: { include: { class: true } } } });
  }

  addInstance(assignmentId: string, userId: string, labId: string): Promise<StoredInstance> {
    return this.db.instance.create({ data: { assignmentId, userId, labId } });
  }

  async activity(labId: string, at: Date): Promise<void> {
    await this.db.instance.updateMany({ where: { labId, lastActivity: { lt: at } }, data: { lastActivity: at } });
  }

  async report(labId: string, report: string): Promise<void> {
    await this.db.instance.updateMany({ where: { labId }, data: { report } });
  }

  message(classId: string, text: string): Promise<{ id: string; text: string; createdAt: Date }> {
    return this.db.classMessage.create({ data: { classId, text } });
  }

  messages(classId: string, limit = 20): Promise<{ id: string; text: string; createdAt: Date }[]> {
    return this.db.classMessage.findMany({ where: { classId }, orderBy: { createdAt: "desc" }, take: limit });
  }
}
