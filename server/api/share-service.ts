import { randomBytes } from "node:crypto";
import { ForbiddenError, SYSTEM, type Principal } from "../auth/permissions";
import type { LabStatus } from "../engine/lab-run";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { LabDefinitionError } from "../model/errors";
import { toRawLab, type Lab, type RawLab } from "../model/lab";
import { nameProblem } from "../model/names";
import { parseDuration, SHARE_TOKEN, type ShareDisks, type ShareInfo, type ShareRequest } from "../model/share";
import { ConflictError, NotFoundError, type StoredLab } from "../store/lab-store";
import { MAX_SHARES_PER_LAB, newShareToken, type ShareStore, type StoredShare } from "../store/share-store";
import { listChecks, type ChecksView } from "./check-service";
import { GoneError } from "./http";
import type { LabDetail, LabService } from "./lab-service";

/** What opening a link shows: the lab read-only, as a fork of it would start. */
export interface ShareView {
  lab: string;
  /** The owner's name, as the link's page says who shared it. */
  owner: string;
  /** The definition in the lab file's form, as a fork would get it. */
  definition: RawLab;
  disks: ShareDisks;
  fork: boolean;
  createdAt: string;
  expiresAt: string | null;
  /** The shared lab's live state, without host details (pids) or console lines (a crash's reason). */
  status: LabStatus;
  /** Its checks and their last results, hidden ones left out. */
  checks: ChecksView;
}

const GONE = "no such share link: it was revoked, or it never existed";

const info = (l: StoredShare): ShareInfo => ({
  id: l.id,
  token: l.token,
  path: `/share/${l.token}`,
  labId: l.labId,
  disks: l.disks,
  fork: l.fork,
  forks: l.forks,
  createdAt: l.createdAt.toISOString(),
  expiresAt: l.expiresAt?.toISOString() ?? null,
  expired: !!l.expiresAt && l.expiresAt.getTime() <= Date.now(),
});

/**
 * Share links. The owner of a lab makes one; whoever holds its token sees
 * the lab read-only (GET, no terminal, no change); a signed-in user may fork
 * it into a lab of their own, with its disks as they were when the link was
 * made ("snapshot": the engine keeps a copy, labs/ID/shares) or as they are
 * at the fork ("live": running guests are frozen for the copy). Revoking a
 * link ends it for everyone; forks made from it are their owners' and stay.
 */
export class ShareService {
  constructor(
    private readonly labs: LabService,
    private readonly store: ShareStore,
    private readonly nameOf: (userId: string) => Promise<string>,
  ) {}

  async create(who: Principal, ref: string, req: ShareRequest): Promise<ShareInfo> {
    const s = await this.labs.mine(who, ref);
    if ((await this.store.forLab(s.id)).length >= MAX_SHARES_PER_LAB)
      throw new ConflictError(`lab ${s.name} has ${MAX_SHARES_PER_LAB} share links, the most it keeps: revoke one first`);
    const lifetime = req.expiresIn ? parseDuration(req.expiresIn) : null;
    const base = { labId: s.id, createdBy: who.id, disks: req.disks, fork: req.fork, expiresAt: lifetime ? new Date(Date.now() + lifetime) : null };
    // A view-only link shows the lab as it is: no copy of its disks to keep.
    if (!req.fork) return info(await this.store.create({ ...base, disks: "live", yaml: null, snapshot: null }));
    if (req.disks === "live") return info(await this.store.create({ ...base, yaml: null, snapshot: null }));
    const snap = await this.labs.engine.takeShareSnapshot(s.id, s.lab, `share-${randomBytes(6).toString("hex")}`);
    try {
      return info(await this.store.create({ ...base, yaml: serializeLabYaml(s.lab), snapshot: snap.id, token: newShareToken() }));
    } catch (e) {
      await this.labs.engine.removeShareSnapshot(s.id, snap.id).catch(() => {});
      throw e;
    }
  }

  async list(who: Principal, ref: string): Promise<{ lab: string; shares: ShareInfo[] }> {
    const s = await this.labs.mine(who, ref);
    return { lab: s.name, shares: (await this.store.forLab(s.id)).map(info) };
  }

  /** Ends a link (by its id or token) for everyone, and frees the copy of the disks it kept. */
  async revoke(who: Principal, ref: string, share: string): Promise<ShareInfo> {
    const s = await this.labs.mine(who, ref);
    const link = await this.store.ofLab(s.id, share);
    await this.store.remove(link.id);
    if (link.snapshot) await this.labs.engine.removeShareSnapshot(s.id, link.snapshot).catch((e: Error) => console.error(`umlab: revoked a share link of ${s.name}, but its disks stay: ${e.message}`));
    return info(link);
  }

  /** What a link shows anyone who has it: no principal needed, the token is the permission. */
  async view(token: string): Promise<ShareView> {
    const { link, lab } = await this.open(token);
    const status = await this.labs.engine.status(lab.id, lab.lab);
    return {
      lab: lab.name,
      owner: await this.nameOf(lab.owner),
      definition: toRawLab(this.definition(link, lab)),
      disks: link.disks,
      fork: link.fork,
      createdAt: link.createdAt.toISOString(),
      expiresAt: link.expiresAt?.toISOString() ?? null,
      status: {
        ...status,
        nodes: status.nodes.map((n) => ({ ...n, pid: null, reason: null })),
        switches: status.switches.map((w) => ({ ...w, pid: w.pid === null ? null : 1 })),
        gateways: status.gateways.map((g) => ({ ...g, pid: g.pid === null ? null : 1 })),
        failure: null,
      },
      checks: await listChecks(this.labs, SYSTEM, lab.id),
    };
  }

  /** A lab of `who`'s own from a link: its definition and disks as the link gives them, under `name` or a free one. */
  async fork(who: Principal, token: string, name?: string): Promise<LabDetail & { disks: string[]; from: string }> {
    const { link, lab } = await this.open(token);
    if (!link.fork) throw new ForbiddenError("this share link is view only: its owner did not allow forks");
    const def = this.definition(link, lab);
    const forkName = name ?? (await this.labs.freeName(def.name, who));
    const problem = nameProblem(forkName);
    if (problem) throw new LabDefinitionError([{ path: ["name"], message: problem }]);
    const copy = await this.labs.importYaml(who, serializeLabYaml({ ...def, name: forkName }));
    try {
      const disks = link.snapshot
        ? await this.labs.engine.copyShareDisks(lab.id, link.snapshot, copy.id)
        : await this.labs.engine.copyLabDisks(lab.id, copy.id, def.nodes.map((n) => n.name));
      await this.store.countForked(link.id);
      return { ...copy, disks, from: lab.name };
    } catch (e) {
      // No half-made fork is left behind.
      await this.labs.remove(who, copy.id).catch(() => {});
      throw e;
    }
  }

  private async open(token: string): Promise<{ link: StoredShare; lab: StoredLab }> {
    const link = SHARE_TOKEN.test(token) ? await this.store.byToken(token) : null;
    if (!link) throw new NotFoundError(GONE);
    if (link.expiresAt && link.expiresAt.getTime() <= Date.now()) throw new GoneError(`this share link expired at ${link.expiresAt.toISOString().replace("T", " ").slice(0, 16)} UTC`);
    return { link, lab: await this.labs.store.get(link.labId) };
  }

  private definition(link: StoredShare, lab: StoredLab): Lab {
    return link.yaml ? { ...parseLabYaml(link.yaml, `${lab.name}.yaml`), name: lab.name } : lab.lab;
  }
}
