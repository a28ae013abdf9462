import { randomBytes } from "node:crypto";
import type { ShareDisks } from "../model/share";
import type { Db } from "./db";
import { NotFoundError } from "./lab-store";

/** A share link as it is kept. */
export interface StoredShare {
  id: string;
  token: string;
  labId: string;
  createdBy: string;
  disks: ShareDisks;
  fork: boolean;
  /** For a "snapshot" link: the lab's definition, and the engine's snapshot of its disks, when it was made. */
  yaml: string | null;
  snapshot: string | null;
  forks: number;
  expiresAt: Date | null;
  createdAt: Date;
}

/** Links a lab keeps at most: each "snapshot" link holds a copy of the lab's disks. */
export const MAX_SHARES_PER_LAB = 20;

type Row = Omit<StoredShare, "disks"> & { disks: string };
const toStored = (r: Row): StoredShare => ({ ...r, disks: r.disks === "live" ? "live" : "snapshot" });

/** 192 random bits: a link cannot be guessed, only handed on. */
export const newShareToken = () => randomBytes(24).toString("base64url");

/** Share links in the database. Deleting a lab deletes its links (a foreign key). */
export class ShareStore {
  constructor(private readonly db: Db) {}

  async create(s: { labId: string; createdBy: string; disks: ShareDisks; fork: boolean; yaml: string | null; snapshot: string | null; expiresAt: Date | null; token?: string }): Promise<StoredShare> {
    const { token = newShareToken(), ...rest } = s;
    return toStored(await this.db.shareLink.create({ data: { ...rest, token } }));
  }

  async forLab(labId: string): Promise<StoredShare[]> {
    return (await this.db.shareLink.findMany({ where: { labId }, orderBy: { createdAt: "asc" } })).map(toStored);
  }

  async byToken(token: string): Promise<StoredShare | null> {
    const row = await this.db.shareLink.findUnique({ where: { token } });
    return row ? toStored(row) : null;
  }

  /** A lab's link by its id (or its token). */
  async ofLab(labId: string, ref: string): Promise<StoredShare> {
    const row = (await this.db.shareLink.findUnique({ where: { id: ref } })) ?? (await this.db.shareLink.findUnique({ where: { token: ref } }));
    if (!row || row.labId !== labId) throw new NotFoundError(`no share link "${ref.slice(0, 60)}" on this lab`);
    return toStored(row);
  }

  async countForked(id: string): Promise<void> {
    await this.db.shareLink.update({ where: { id }, data: { forks: { increment: 1 } } });
  }

  async remove(id: string): Promise<void> {
    await this.db.shareLink.delete({ where: { id } });
  }
}
