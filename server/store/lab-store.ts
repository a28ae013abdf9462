import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import type { Lab } from "../model/lab";
import type { Db } from "./db";

export interface StoredLab {
  id: string;
  name: string;
  owner: string;
  lab: Lab;
  createdAt: Date;
  updatedAt: Date;
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

type Row = { id: string; name: string; owner: string; yaml: string; createdAt: Date; updatedAt: Date };

const toStored = (r: Row): StoredLab => ({
  id: r.id,
  name: r.name,
  owner: r.owner,
  lab: parseLabYaml(r.yaml, `${r.name}.yaml`),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/** Labs in the database, each kept as its canonical lab.yaml. */
export class LabStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<StoredLab[]> {
    const rows = await this.db.lab.findMany({ orderBy: { name: "asc" } });
    return rows.map(toStored);
  }

  /** By id or by name: the CLI speaks names, the UI ids. */
  async get(ref: string): Promise<StoredLab> {
    const row = (await this.db.lab.findUnique({ where: { id: ref } })) ?? (await this.db.lab.findUnique({ where: { name: ref } }));
    if (!row) throw new NotFoundError(`no lab "${ref}"`);
    return toStored(row);
  }

  async create(lab: Lab, owner: string): Promise<StoredLab> {
    if (await this.db.lab.findUnique({ where: { name: lab.name } })) throw new ConflictError(`a lab named "${lab.name}" already exists`);
    return toStored(await this.db.lab.create({ data: { name: lab.name, owner, yaml: serializeLabYaml(lab) } }));
  }

  async update(id: string, lab: Lab): Promise<StoredLab> {
    const current = await this.get(id);
    if (lab.name !== current.name && (await this.db.lab.findUnique({ where: { name: lab.name } })))
      throw new ConflictError(`a lab named "${lab.name}" already exists`);
    return toStored(await this.db.lab.update({ where: { id: current.id }, data: { name: lab.name, yaml: serializeLabYaml(lab) } }));
  }

  async remove(id: string): Promise<void> {
    const current = await this.get(id);
    try {
      await this.db.lab.delete({ where: { id: current.id } });
    } catch (e) {
      // A lab published to a class (Assignment.labId, ON DELETE RESTRICT) holds its students' published state.
      if ((e as { code?: string }).code === "P2003") throw new ConflictError(`lab ${current.name} is published to a class: remove the assignment first`);
      throw e;
    }
  }
}
