import type { Engine } from "../engine/engine";
import type { LabStatus } from "../engine/lab-run";
import type { ExecResult } from "../engine/uml/agent";
import type { MconsoleCommand, MconsoleReply } from "../engine/uml/mconsole";
import type { UmlNode } from "../engine/uml/uml-node";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import type { Lab } from "../model/lab";
import { ConflictError, NotFoundError, type LabStore, type StoredLab } from "../store/lab-store";

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
  status: LabStatus;
  /** True when the stored definition differs from the one the running lab was started with. */
  needsRestart: boolean;
}

export type NodeAction = "start" | "stop" | "restart" | "wipe" | "crash";

/** A quote for the guest's sh, so an argv runs as given, whatever its characters. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}

/**
 * What the HTTP API, socket.io and the CLI can do with labs: the store for
 * definitions, the engine for running them.
 */
export class LabService {
  constructor(
    readonly store: LabStore,
    readonly engine: Engine,
  ) {}

  async list(): Promise<LabSummary[]> {
    return (await this.store.list()).map((s) => this.summary(s));
  }

  async get(ref: string): Promise<LabDetail> {
    const s = await this.store.get(ref);
    const run = this.engine.run(s.name);
    return {
      ...this.summary(s),
      yaml: serializeLabYaml(s.lab),
      status: this.engine.status(s.lab),
      needsRestart: !!run && serializeLabYaml(run.lab) !== serializeLabYaml(s.lab),
    };
  }

  async importYaml(text: string, file = "lab.yaml"): Promise<LabDetail> {
    const lab = parseLabYaml(text, file);
    const s = await this.store.create(lab);
    return this.get(s.id);
  }

  async updateYaml(ref: string, text: string): Promise<LabDetail> {
    const current = await this.store.get(ref);
    const lab = parseLabYaml(text, `${current.name}.yaml`);
    if (lab.name !== current.name && this.engine.run(current.name)) throw new ConflictError(`lab ${current.name} is running: stop it before renaming it`);
    const s = await this.store.update(current.id, lab);
    return this.get(s.id);
  }

  async exportYaml(ref: string): Promise<{ name: string; yaml: string }> {
    const s = await this.store.get(ref);
    return { name: s.name, yaml: serializeLabYaml(s.lab) };
  }

  async remove(ref: string): Promise<void> {
    const s = await this.store.get(ref);
    if (this.engine.run(s.name)) throw new ConflictError(`lab ${s.name} is running: stop it before deleting it`);
    this.engine.removeLabFiles(s.name);
    await this.store.remove(s.id);
  }

  async start(ref: string): Promise<LabStatus> {
    const s = await this.store.get(ref);
    if (this.engine.run(s.name)?.up) {
      // Already up: start whatever nodes are not.
      const run = this.engine.run(s.name)!;
      await Promise.all([...run.nodes.values()].filter((n) => !n.isUp).map((n) => n.start()));
      return run.status();
    }
    return (await this.engine.start(s.lab)).status();
  }

  async stop(ref: string): Promise<LabStatus> {
    const s = await this.store.get(ref);
    await this.engine.stop(s.name);
    return this.engine.status(s.lab);
  }

  async status(ref: string): Promise<LabStatus> {
    const s = await this.store.get(ref);
    return this.engine.status(s.lab);
  }

  async nodeAction(ref: string, nodeName: string, action: NodeAction): Promise<LabStatus> {
    const s = await this.store.get(ref);
    if (!s.lab.nodes.some((n) => n.name === nodeName)) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    const run = this.engine.prepare(s.lab);
    const node = run.node(nodeName);
    switch (action) {
      case "start":
        await run.startNode(nodeName);
        break;
      case "stop":
        await node.stop();
        break;
      case "restart":
        await node.stop();
        await run.startNode(nodeName);
        break;
      case "wipe":
        await node.stop();
        await node.wipe();
        break;
      case "crash":
        this.requireUp(s, node).crash();
        break;
    }
    if (!run.up) await this.engine.stop(s.name);
    return this.engine.status(s.lab);
  }

  async exec(ref: string, nodeName: string, command: { argv?: string[]; script?: string }, timeoutS = 60): Promise<ExecResult> {
    const node = await this.runningNode(ref, nodeName);
    const script = command.script ?? shellQuote(command.argv ?? []);
    return node.exec(script, timeoutS);
  }

  async mconsole(ref: string, nodeName: string, cmd: MconsoleCommand): Promise<MconsoleReply> {
    return (await this.runningNode(ref, nodeName)).mconsole(cmd);
  }

  async pauseSwitch(ref: string, switchName: string, paused: boolean): Promise<LabStatus> {
    const s = await this.store.get(ref);
    const run = this.engine.run(s.name);
    if (!run?.up) throw new ConflictError(`lab ${s.name} is not running`);
    run.switch(switchName).setPaused(paused);
    return run.status();
  }

  /** A running node by lab and name, for consoles. */
  async runningNode(ref: string, nodeName: string): Promise<UmlNode> {
    const s = await this.store.get(ref);
    const run = this.engine.run(s.name);
    if (!s.lab.nodes.some((n) => n.name === nodeName)) throw new NotFoundError(`lab ${s.name} has no node "${nodeName}"`);
    if (!run) throw new ConflictError(`lab ${s.name} is not running`);
    return this.requireUp(s, run.node(nodeName));
  }

  /** Adds the sample labs when the database has no lab at all. */
  async ensureSamples(samples: { file: string; text: string }[]): Promise<void> {
    if ((await this.store.list()).length > 0) return;
    for (const s of samples) await this.importYaml(s.text, s.file);
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
