import { owns, type Principal } from "../auth/permissions";
import type { QuotaSettings } from "../auth/quotas";
import type { Engine } from "../engine/engine";
import type { ImageService } from "./image-service";
import type { KernelService } from "./kernel-service";
import type { LabStatus } from "../engine/lab-run";
import type { Impairment } from "../engine/switch/link-faults";
import type { ExecResult } from "../engine/uml/agent";
import type { MconsoleCommand, MconsoleReply } from "../engine/uml/mconsole";
import type { UmlNode } from "../engine/uml/uml-node";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { labChanges, type LabChange } from "../model/changes";
import { labDiagramSvg } from "../model/diagram";
import { LabDefinitionError } from "../model/errors";
import { resolveLab, toRawLab, type Lab, type Node, type RawLab } from "../model/lab";
import { nameProblem } from "../model/names";
import { ConflictError, NotFoundError, type LabStore, type StoredLab } from "../store/lab-store";
import { QuotaCheck } from "./quota-check";
import { ScenarioRunner } from "./scenario-runner";
import { runScenarioStep } from "./scenario-service";

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

export type NodeAction = "start" | "stop" | "restart" | "wipe" | "crash";

/** What to do to a link; an impairment's missing fields are off (0, no bandwidth limit). */
export type LinkRequest = { action: "pull" | "plug" | "clear" } | ({ action: "impair" } & Partial<Impairment>);

/** A quote for the guest's sh, so an argv runs as given, whatever its characters. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}

/**
 * What the HTTP API, socket.io and the CLI can do with labs: the store for
 * definitions, the engine for running them.
 */
export class LabService {
  /** Scenario plays (scenario-service.ts); a lab's stops when the lab stops. */
  private readonly quota: QuotaCheck;
  readonly scenarios = new ScenarioRunner((lab, action) => runScenarioStep(this, lab, action));

  constructor(
    readonly store: LabStore,
    readonly engine: Engine,
    readonly kernels: KernelService,
    readonly images: ImageService,
    quotas: QuotaSettings,
  ) {
    this.quota = new QuotaCheck(store, engine, quotas);
    engine.on("lab", (s: LabStatus) => {
      if (!s.running) this.scenarios.stop(s.lab);
    });
  }

  /** The labs `who` may see: their own, or every lab for those who may see all. */
  async list(who: Principal): Promise<LabSummary[]> {
    return (await this.store.list()).filter((s) => owns(who, s.owner)).map((s) => this.summary(s));
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
    if (!owns(who, s.owner)) throw new NotFoundError(`no lab "${ref}"`);
    return s;
  }

  async get(who: Principal, ref: string): Promise<LabDetail> {
    return this.detail(await this.mine(who, ref));
  }

  private detail(s: StoredLab): LabDetail {
    const run = this.engine.run(s.name);
    const changes = run ? labChanges(run.lab, s.lab) : [];
    return {
      ...this.summary(s),
      yaml: serializeLabYaml(s.lab),
      lab: toRawLab(s.lab),
      status: this.engine.status(s.lab),
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

  /** The topology as a standalone SVG picture. */
  async diagram(who: Principal, ref: string): Promise<{ name: string; svg: string }> {
    const s = await this.mine(who, ref);
    return { name: s.name, svg: labDiagramSvg(s.lab) };
  }

  private async create(who: Principal, lab: Lab): Promise<LabDetail> {
    return this.detail(await this.store.create(lab, who.id));
  }

  private async replace(current: StoredLab, lab: Lab): Promise<LabDetail> {
    // The engine knows a run by its lab's name: renaming under a running lab would orphan its processes.
    if (lab.name !== current.name && this.engine.run(current.name)) throw new ConflictError(`lab ${current.name} is running: stop it before renaming it`);
    return this.detail(await this.store.update(current.id, lab));
  }

  async exportYaml(who: Principal, ref: string): Promise<{ name: string; yaml: string }> {
    const s = await this.mine(who, ref);
    return { name: s.name, yaml: serializeLabYaml(s.lab) };
  }

  async remove(who: Principal, ref: string): Promise<void> {
    const s = await this.mine(who, ref);
    if (this.engine.run(s.name)) throw new ConflictError(`lab ${s.name} is running: stop it before deleting it`);
    this.engine.removeLabFiles(s.name);
    await this.store.remove(s.id);
  }

  async start(who: Principal, ref: string): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    if (this.engine.run(s.name)?.up) {
      // Already up: start whatever nodes are not.
      const run = this.engine.run(s.name)!;
      return this.engine.withLab(s.name, async () => {
        const down = [...run.nodes.values()].filter((n) => !n.isUp);
        await this.quota.check(who, s.owner, { labs: 0, nodes: down.length, memoryMiB: down.reduce((m, n) => m + n.node.memoryMiB, 0) });
        await Promise.all(down.map((n) => n.start()));
        return run.status();
      });
    }
    await this.quota.check(who, s.owner, { labs: 1, nodes: s.lab.nodes.length, memoryMiB: s.lab.nodes.reduce((m, n) => m + n.memoryMiB, 0) });
    this.images.assertReady(s.lab.nodes.map((n) => n.image));
    this.kernels.assertReady(s.lab.nodes.map((n) => n.kernel));
    return (await this.engine.start(s.lab)).status();
  }

  async stop(who: Principal, ref: string): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    // Its scenario ends as the stop begins: a stop takes seconds, and no step may act on a lab going down.
    this.scenarios.stop(s.name);
    await this.engine.stop(s.name);
    return this.engine.status(s.lab);
  }

  async status(who: Principal, ref: string): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    return this.engine.status(s.lab);
  }

  async nodeAction(who: Principal, ref: string, nodeName: string, action: NodeAction): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    if (!s.lab.nodes.some((n) => n.name === nodeName)) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    // Under the lab's lock, so a node action never interleaves with a start or stop of its lab; the
    // lab's own stop (its last node went down) takes the lock itself, after.
    const labDown = await this.engine.withLab(s.name, () => this.nodeActionLocked(who, s, nodeName, action));
    if (labDown) await this.engine.stop(s.name);
    return this.engine.status(s.lab);
  }

  /** The node action itself; true when the lab has no node up afterwards. */
  private async nodeActionLocked(who: Principal, s: StoredLab, nodeName: string, action: NodeAction): Promise<boolean> {
    const run = this.engine.prepare(s.lab);
    // A (re)start takes the saved definition of the node when it can change alone; otherwise the running one stays.
    const pending = action === "start" || action === "restart" ? pendingNode(run.lab, s.lab, nodeName) : null;
    if (pending) run.assertApplicable(pending);
    else if (!run.nodes.has(nodeName)) {
      if (action === "start" || action === "restart")
        throw new ConflictError(`node ${nodeName} was added to lab ${s.name} while it runs, plugged into a switch the running lab lacks: restart the lab`);
      throw new ConflictError(`node ${nodeName} was added to lab ${s.name} while it runs and has not been started`);
    }
    if (action === "start" || action === "restart") {
      const node = pending ?? run.node(nodeName).node;
      this.images.assertReady([node.image]);
      this.kernels.assertReady([node.kernel]);
      if (!run.nodes.get(nodeName)?.isUp) await this.quota.check(who, s.owner, { labs: run.up ? 0 : 1, nodes: 1, memoryMiB: node.memoryMiB });
    }
    switch (action) {
      case "start":
        if (pending && !run.nodes.get(nodeName)?.isUp) run.applyNode(pending);
        await run.startNode(nodeName);
        break;
      case "stop":
        await run.node(nodeName).stop();
        break;
      case "restart":
        await run.nodes.get(nodeName)?.stop();
        if (pending) run.applyNode(pending);
        await run.startNode(nodeName);
        break;
      case "wipe": {
        const node = run.node(nodeName);
        await node.stop();
        await node.wipe();
        break;
      }
      case "crash":
        this.requireUp(s, run.node(nodeName)).crash();
        break;
    }
    return !run.up;
  }

  async exec(who: Principal, ref: string, nodeName: string, command: { argv?: string[]; script?: string }, timeoutS = 60): Promise<ExecResult> {
    const node = await this.runningNode(who, ref, nodeName);
    const script = command.script ?? shellQuote(command.argv ?? []);
    return node.exec(script, timeoutS);
  }

  async mconsole(who: Principal, ref: string, nodeName: string, cmd: MconsoleCommand): Promise<MconsoleReply> {
    return (await this.runningNode(who, ref, nodeName)).mconsole(cmd);
  }

  async pauseSwitch(who: Principal, ref: string, switchName: string, paused: boolean): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    const run = this.engine.run(s.name);
    if (!run?.up) throw new ConflictError(`lab ${s.name} is not running`);
    run.switch(switchName).setPaused(paused);
    return run.status();
  }

  /** Pulls, plugs back, impairs or clears one link (a node interface and its switch port) of a running lab. */
  async linkAction(who: Principal, ref: string, nodeName: string, iface: string, req: LinkRequest): Promise<LabStatus> {
    const s = await this.mine(who, ref);
    const run = this.engine.run(s.name);
    const def = run?.lab.nodes.find((n) => n.name === nodeName) ?? s.lab.nodes.find((n) => n.name === nodeName);
    if (!def) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    const index = /^eth(\d{1,2})$/.exec(iface) ? Number(iface.slice(3)) : -1;
    if (!def.interfaces.some((i) => i.index === index)) throw new NotFoundError(`node ${nodeName} has no interface "${iface}"`);
    if (!run?.up) throw new ConflictError(`lab ${s.name} is not running`);
    const lab = run.lab;
    if (req.action === "impair") {
      await run.links.impair(lab, nodeName, index, { lossPct: req.lossPct ?? 0, delayMs: req.delayMs ?? 0, bandwidthKbit: req.bandwidthKbit ?? null, dupPct: req.dupPct ?? 0 });
    } else await run.links[req.action](lab, nodeName, index);
    return run.status();
  }

  /** A running node by lab and name, for consoles. */
  async runningNode(who: Principal, ref: string, nodeName: string): Promise<UmlNode> {
    const s = await this.mine(who, ref);
    const run = this.engine.run(s.name);
    if (!s.lab.nodes.some((n) => n.name === nodeName)) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    if (!run) throw new ConflictError(`lab ${s.name} is not running`);
    return this.requireUp(s, run.node(nodeName));
  }

  /** Adds the sample labs when the database has no lab at all. */
  async ensureSamples(samples: { file: string; text: string }[], owner: Principal): Promise<void> {
    if ((await this.store.list()).length > 0) return;
    for (const s of samples) await this.importYaml(owner, s.text, s.file);
  }

  private requireUp(s: StoredLab, node: UmlNode): UmlNode {
    if (!node.isUp) throw new ConflictError(`node ${node.name} of lab ${s.name} is ${node.state}`);
    return node;
  }

  private summary(s: StoredLab): LabSummary {
    const lab: Lab = s.lab;
    return {
      id: s.id,
      name: s.name,
      description: lab.description,
      nodes: lab.nodes.length,
      switches: lab.switches.length,
      running: !!this.engine.run(s.name)?.up,
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}

/** The saved definition of a node when labChanges says it can be applied by (re)starting that node alone. */
function pendingNode(running: Lab, saved: Lab, name: string): Node | null {
  const change = labChanges(running, saved).find((c) => c.kind === "node" && c.name === name);
  if (change?.apply !== "restart-node" && change?.apply !== "start-node") return null;
  return saved.nodes.find((n) => n.name === name) ?? null;
}
