import { owns, type Principal } from "../auth/permissions";
import type { QuotaSettings } from "../auth/quotas";
import type { CableAction, DiskAction, EngineApi, LinkRequest, NodeAction } from "../engine/api";
import type { LabStatus } from "../engine/lab-run";
import type { ExecResult } from "../engine/uml/agent";
import type { MconsoleCommand, MconsoleReply } from "../engine/uml/mconsole";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { labChanges, type LabChange } from "../model/changes";
import { labDiagramSvg } from "../model/diagram";
import { LabDefinitionError } from "../model/errors";
import { resolveLab, toRawLab, type Lab, type RawLab } from "../model/lab";
import { nameProblem } from "../model/names";
import { cableAt, parseLineRef } from "../model/serial";
import { ConflictError, NotFoundError, type LabStore, type StoredLab } from "../store/lab-store";
import { QuotaCheck } from "./quota-check";

export interface LabSummary {
  id: string;
  name: string;
  description: string;
  nodes: number;
  switches: number;
  running: boolean;
  updatedAt: string;
}

export interface LabDetail extends LabSummary {
  yaml: string;
  /** The definition as JSON, in the lab file's form (defaults left out), so a client needs no YAML parser. */
  lab: RawLab;
  status: LabStatus;
  /** How the saved definition differs from the one the lab runs with; empty when it is not running. */
  changes: LabChange[];
  /** True when some change needs a node or the lab restarted. */
  needsRestart: boolean;
}

export type { LinkRequest, NodeAction } from "../engine/api";

/**
 * Who besides a lab's owner may see and control it, and when it may start:
 * the classroom's rules (class-service.ts), set once the class service
 * exists. A teacher supervises their class's instances; an exam window
 * closes them.
 */
export interface LabPolicy {
  supervises(who: Principal, labId: string): Promise<boolean>;
  /** Throws (ForbiddenError) when `who` may not start the lab now. */
  mayStart(who: Principal, labId: string): Promise<void>;
  /** The lab's owner did something with it (idle instances stop by themselves). */
  touched(labId: string): void;
}

/** A quote for the guest's sh, so an argv runs as given, whatever its characters. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}

/**
 * What the HTTP API, socket.io and the CLI can do with labs: the store for
 * definitions, the engine (its commands, api.ts) for running them.
 */
export class LabService {
  private readonly quota: QuotaCheck;
  private policy: LabPolicy | null = null;

  constructor(
    readonly store: LabStore,
    readonly engine: EngineApi,
    quotas: QuotaSettings,
  ) {
    this.quota = new QuotaCheck(store, engine, quotas);
  }

  setPolicy(policy: LabPolicy): void {
    this.policy = policy;
  }

  /** Its owner is at work in it (typing in a console): for the idle stop of class instances. */
  touch(labId: string): void {
    this.policy?.touched(labId);
  }

  /** The labs `who` may see: their own, or every lab for those who may see all. */
  async list(who: Principal): Promise<LabSummary[]> {
    const labs = (await this.store.list()).filter((s) => owns(who, s.owner));
    const usage = await this.engine.usage(labs.map((s) => s.id));
    return labs.map((s) => this.summary(s, !!usage[s.id]?.up));
  }

  /**
   * A lab `who` may see and control. Another user's lab is answered exactly
   * as a missing one, so nothing tells that it exists.
   */
  async mine(who: Principal, ref: string): Promise<StoredLab> {
    let s: StoredLab;
    try {
      s = await this.store.get(ref);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(`no lab "${ref}"`);
      throw e;
    }
    if (who.id === s.owner) this.policy?.touched(s.id);
    else if (!owns(who, s.owner) && !(await this.policy?.supervises(who, s.id))) throw new NotFoundError(`no lab "${ref}"`);
    return s;
  }

  async get(who: Principal, ref: string): Promise<LabDetail> {
    return this.detail(await this.mine(who, ref));
  }

  private async detail(s: StoredLab): Promise<LabDetail> {
    const running = await this.engine.running(s.id);
    const changes = running ? labChanges(running, s.lab) : [];
    const status = await this.engine.status(s.id, s.lab);
    return {
      ...this.summary(s, status.running),
      yaml: serializeLabYaml(s.lab),
      lab: toRawLab(s.lab),
      status,
      changes,
      needsRestart: changes.some((c) => c.apply !== "none"),
    };
  }

  async importYaml(who: Principal, text: string, file = "lab.yaml"): Promise<LabDetail> {
    return this.create(who, parseLabYaml(text, file));
  }

  /** A new lab from its JSON form (RawLab); a bad definition is a LabDefinitionError listing every problem. */
  async createRaw(who: Principal, raw: unknown): Promise<LabDetail> {
    return this.create(who, resolveLab(raw));
  }

  async updateYaml(who: Principal, ref: string, text: string): Promise<LabDetail> {
    const current = await this.mine(who, ref);
    return this.replace(current, parseLabYaml(text, `${current.name}.yaml`));
  }

  async updateRaw(who: Principal, ref: string, raw: unknown): Promise<LabDetail> {
    const current = await this.mine(who, ref);
    return this.replace(current, resolveLab(raw));
  }

  /** A copy of a lab's definition under a new name; its disks stay with the original. */
  async duplicate(who: Principal, ref: string, name: string): Promise<LabDetail> {
    const s = await this.mine(who, ref);
    const problem = nameProblem(name);
    if (problem) throw new LabDefinitionError([{ path: ["name"], message: problem }]);
    return this.create(who, { ...s.lab, name });
  }

  /** BASE-PERSON, or BASE-PERSON-2, ...: a free name for `who`'s own copy of a lab (lab names are unique on a server, whoever owns them). */
  async freeName(base: string, who: Principal): Promise<string> {
    const slug = (t: string) =>
      t
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
    const person = slug(who.name) || slug(who.email.split("@")[0]) || "copy";
    const head = `${base}-${person}`.slice(0, 28).replace(/-+$/, "");
    for (let i = 1; i < 100; i++) {
      const candidate = i === 1 ? head : `${head}-${i}`;
      const taken = await this.store.get(candidate).then(
        () => true,
        (e: unknown) => (e instanceof NotFoundError ? false : Promise.reject(e)),
      );
      if (!taken) return candidate;
    }
    throw new ConflictError(`no free name for ${who.name}'s copy of ${base}: give one`);
  }

  /** Saves a definition a snapshot kept (snapshot-service.ts): the lab is as it was then. */
  async restoreDefinition(who: Principal, ref: string, lab: Lab): Promise<LabDetail> {
    return this.replace(await this.mine(who, ref), lab);
  }

  /** The topology as a standalone SVG picture. */
  async diagram(who: Principal, ref: string): Promise<{ name: string; svg: string }> {
    const s = await this.mine(who, ref);
    return { name: s.name, svg: labDiagramSvg(s.lab) };
  }

  private async create(who: Principal, lab: Lab): Promise<LabDetail> {
    return this.detail(await this.store.create(lab, who.id));
  }

  private async replace(current: StoredLab, lab: Lab): Promise<LabDetail> {
    // A running lab keeps the name it started with: its guests' addresses (MACs) come from it.
    if (lab.name !== current.name && (await this.isUp(current))) throw new ConflictError(`lab ${current.name} is running: stop it before renaming it`);
    const saved = await this.store.update(current.id, lab);
    await this.engine.pruneNodeFiles(saved.id, saved.lab.nodes.map((n) => n.name), saved.lab.disks.map((d) => d.name));
    return this.detail(saved);
  }

  async exportYaml(who: Principal, ref: string): Promise<{ name: string; yaml: string }> {
    const s = await this.mine(who, ref);
    return { name: s.name, yaml: serializeLabYaml(s.lab) };
  }

  async remove(who: Principal, ref: string): Promise<void> {
    const s = await this.mine(who, ref);
    if ((await this.engine.running(s.id)) !== null) throw new ConflictError(`lab ${s.name} is running: stop it before deleting it`);
    await this.engine.removeLabFiles(s.id);
    await this.store.remove(s.id);
  }

  async start(who: Principal, ref: string): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    await this.policy?.mayStart(who, s.id);
    if (await this.isUp(s)) {
      // Already up: start whatever nodes are not.
      const down = await this.engine.downNodes(s.id);
      await this.quota.check(who, s.owner, { labs: 0, nodes: down.length, memoryMiB: down.reduce((m, n) => m + n.memoryMiB, 0) });
      return this.engine.startDown(s.id, s.lab);
    }
    await this.quota.check(who, s.owner, { labs: 1, nodes: s.lab.nodes.length, memoryMiB: s.lab.nodes.reduce((m, n) => m + n.memoryMiB, 0) });
    await this.engine.imagesReady(s.lab.nodes.map((n) => n.image));
    await this.engine.kernelsReady(s.lab.nodes.map((n) => n.kernel));
    return this.engine.startLab(s.id, s.lab);
  }

  async stop(who: Principal, ref: string): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    const status = await this.engine.stopLab(s.id, s.lab);
    // Nodes removed while the lab ran kept their disks until now.
    await this.engine.pruneNodeFiles(s.id, s.lab.nodes.map((n) => n.name), s.lab.disks.map((d) => d.name));
    return status;
  }

  async status(who: Principal, ref: string): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    return this.engine.status(s.id, s.lab);
  }

  async nodeAction(who: Principal, ref: string, nodeName: string, action: NodeAction): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    if (!s.lab.nodes.some((n) => n.name === nodeName)) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    const plan = await this.engine.plan(s.id, s.lab, nodeName, action);
    if (plan.starts) {
      await this.policy?.mayStart(who, s.id);
      await this.engine.imagesReady([plan.starts.image]);
      await this.engine.kernelsReady([plan.starts.kernel]);
      if (!plan.nodeUp) await this.quota.check(who, s.owner, { labs: plan.labUp ? 0 : 1, nodes: 1, memoryMiB: plan.starts.memoryMiB });
    }
    return this.engine.nodeAction(s.id, s.lab, nodeName, action);
  }

  async exec(who: Principal, ref: string, nodeName: string, command: { argv?: string[]; script?: string }, timeoutS = 60): Promise<ExecResult> {
    const s = await this.upNode(who, ref, nodeName);
    const script = command.script ?? shellQuote(command.argv ?? []);
    return this.engine.exec(s.id, nodeName, script, timeoutS);
  }

  async mconsole(who: Principal, ref: string, nodeName: string, cmd: MconsoleCommand): Promise<MconsoleReply> {
    const s = await this.upNode(who, ref, nodeName);
    return this.engine.mconsole(s.id, nodeName, cmd);
  }

  async pauseSwitch(who: Principal, ref: string, switchName: string, paused: boolean): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    if (!(await this.isUp(s))) throw new ConflictError(`lab ${s.name} is not running`);
    return this.engine.pauseSwitch(s.id, switchName, paused);
  }

  /** Pulls, plugs back, impairs or clears one link (a node interface and its switch port) of a running lab. */
  async linkAction(who: Principal, ref: string, nodeName: string, iface: string, req: LinkRequest): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    const running = await this.engine.running(s.id);
    const def = running?.nodes.find((n) => n.name === nodeName) ?? s.lab.nodes.find((n) => n.name === nodeName);
    if (!def) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    const index = /^eth(\d{1,2})$/.exec(iface) ? Number(iface.slice(3)) : -1;
    if (!def.interfaces.some((i) => i.index === index)) throw new NotFoundError(`node ${nodeName} has no interface "${iface}"`);
    if (!(await this.isUp(s))) throw new ConflictError(`lab ${s.name} is not running`);
    return this.engine.linkAction(s.id, nodeName, index, req);
  }

  /** Cuts or mends the serial cable on a line (NODE.ttySN, either end) of a running lab. */
  async cableAction(who: Principal, ref: string, line: string, action: CableAction): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    const lab = (await this.engine.running(s.id)) ?? s.lab;
    const at = parseLineRef(line);
    if (typeof at === "string" || !cableAt(lab.cables, at)) throw new NotFoundError(typeof at === "string" ? at : `lab ${s.name} has no cable on ${line}`);
    if (!(await this.isUp(s))) throw new ConflictError(`lab ${s.name} is not running`);
    return this.engine.cableAction(s.id, line, action);
  }

  /** Plugs one of the lab's disks into a running node, or unplugs it (through the node's machine console). */
  async diskAction(who: Principal, ref: string, nodeName: string, disk: string, action: DiskAction): Promise<LabStatus> {
    const s = await this.upNode(who, ref, nodeName);
    if (!s.lab.disks.some((d) => d.name === disk)) throw new NotFoundError(`lab ${s.name} has no disk "${disk}"`);
    return this.engine.diskAction(s.id, s.lab, nodeName, disk, action);
  }

  /** A lab `who` may see with `nodeName` in its definition, checked to be running (the engine checks the node). */
  private async upNode(who: Principal, ref: string, nodeName: string): Promise<StoredLab> {
    const s = await this.mine(who, ref);
    if (!s.lab.nodes.some((n) => n.name === nodeName)) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    if ((await this.engine.running(s.id)) === null) throw new ConflictError(`lab ${s.name} is not running`);
    return s;
  }

  private async isUp(s: StoredLab): Promise<boolean> {
    return !!(await this.engine.usage([s.id]))[s.id]?.up;
  }

  /** Adds the sample labs when the database has no lab at all. */
  async ensureSamples(samples: { file: string; text: string }[], owner: Principal): Promise<void> {
    if ((await this.store.list()).length > 0) return;
    for (const s of samples) await this.importYaml(owner, s.text, s.file);
  }

  /**
   * Labs were once kept on disk under their names: each stored lab's folder
   * moves to its id (once; afterwards there is nothing to move).
   */
  async rekeyFolders(): Promise<string[]> {
    const moved: string[] = [];
    for (const s of await this.store.list()) if (await this.engine.rekeyLabFiles(s.name, s.id)) moved.push(s.name);
    return moved;
  }

  private summary(s: StoredLab, running: boolean): LabSummary {
    const lab: Lab = s.lab;
    return {
      id: s.id,
      name: s.name,
      description: lab.description,
      nodes: lab.nodes.length,
      switches: lab.switches.length,
      running,
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}
