import { EventEmitter } from "node:events";
import { labChanges } from "../model/changes";
import type { Lab, Node } from "../model/lab";
import type { ActionPlan, ConsoleSnapshot, EngineApi, LinkRequest, NodeAction, RunUsage } from "./api";
import { ImageService, type ImageInfo, type ImageStatus } from "./build/image-service";
import { KernelService, type KernelBuildState, type KernelInfo } from "./build/kernel-service";
import { ConsoleScreens } from "./console-screens";
import type { CustomKernelRequest } from "./kernel/build";
import type { ImageRecipe } from "../model/image-recipe";
import { LabScenarios } from "./lab-scenarios";
import type { ScenarioState } from "./scenario-player";
import type { Engine } from "./engine";
import { LabRunError, type LabRun, type LabStatus } from "./lab-run";
import { BUILDS, type LiveEvent } from "./live";
import { ConsoleBatcher } from "./console-batch";
import { DiskCommands } from "./disk-commands";
import { SerialCommands } from "./serial-commands";
import { looksLikeLine } from "../model/serial";
import { CaptureCommands } from "./capture-commands";
import type { ExecResult } from "./uml/agent";
import type { MconsoleCommand, MconsoleReply } from "./uml/mconsole";
import type { UmlNode } from "./uml/uml-node";

/** A lab, node, switch or interface the engine does not have (answered 404 by the API, like the store's). */
export class EngineNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/**
 * The engine's commands (api.ts) served by an Engine in this process. The
 * one place that walks runs and nodes for a server.
 */
export class LocalEngine extends EventEmitter implements EngineApi {
  private readonly screens = new ConsoleScreens();
  private readonly scenarios: LabScenarios;
  /** The number of each console's last output chunk, by lab and node (see ConsoleSnapshot). */
  private readonly seqs = new Map<string, number>();

  /** The machine's kernels and images, and their builds. */
  readonly kernels: KernelService;
  readonly images: ImageService;
  private readonly diskCommands: DiskCommands;
  private readonly serialCommands: SerialCommands;
  private readonly captureCommands: CaptureCommands;

  constructor(readonly engine: Engine) {
    super();
    this.scenarios = new LabScenarios(engine, this);
    this.kernels = new KernelService(engine.root, (k) => Promise.resolve(engine.kernelUsers(k)));
    this.images = new ImageService(engine.root, (i) => Promise.resolve(engine.imageUsers(i)));
    this.diskCommands = new DiskCommands(engine, this.images);
    this.serialCommands = new SerialCommands(engine, this.screens);
    this.captureCommands = new CaptureCommands(engine, engine.root);
    this.kernels.on("status", (build: KernelBuildState) => engine.commit(BUILDS, { kind: "kernel-build", build }));
    this.images.on("status", (image: ImageStatus) => engine.commit(BUILDS, { kind: "image-build", image }));
    // Numbered and read by the screens in the pieces the batcher gives: a screen and its seq stay in step.
    const batcher = new ConsoleBatcher((id, node, data) => {
      const k = `${id}\n${node}`;
      const seq = (this.seqs.get(k) ?? 0) + 1;
      this.seqs.set(k, seq);
      // Out first, then into the screen: the echo of a keystroke waits for nothing it does not need
      // (an attach reads the screen in another turn, so the two stay in step).
      this.emit("console", id, node, data, seq);
      this.screens.write(id, node, data);
    });
    engine.on("patch", (ev: LiveEvent) => {
      if (ev.patch.kind === "lab" && !ev.patch.state.running) {
        batcher.flushLab(ev.lab);
        this.screens.dropLab(ev.lab);
        this.scenarios.stop(ev.lab);
      }
      this.emit("patch", ev);
    });
    engine.on("console", (id: string, node: string, data: string) => batcher.push(id, node, data));
    engine.on("capture-rows", (id: string, capture: string, rows: unknown[], skipped: number) => this.emit("capture-rows", id, capture, rows, skipped));
  }

  private state(id: string, lab: Lab): LabStatus {
    return this.engine.status(lab, id);
  }

  status(id: string, lab: Lab): Promise<LabStatus> {
    return Promise.resolve(this.state(id, lab));
  }

  running(id: string): Promise<Lab | null> {
    return Promise.resolve(this.engine.run(id)?.lab ?? null);
  }

  usage(ids: string[]): Promise<Record<string, RunUsage>> {
    const out: Record<string, RunUsage> = {};
    for (const id of ids) {
      const run = this.engine.run(id);
      const up = [...(run?.nodes.values() ?? [])].filter((n) => n.isUp);
      out[id] = { up: !!run?.up, nodes: up.length, memoryMiB: up.reduce((m, n) => m + n.node.memoryMiB, 0) };
    }
    return Promise.resolve(out);
  }

  async startLab(id: string, lab: Lab): Promise<LabStatus> {
    await this.engine.start(lab, id);
    return this.state(id, lab);
  }

  downNodes(id: string): Promise<Node[]> {
    const run = this.engine.run(id);
    return Promise.resolve(run?.up ? [...run.nodes.values()].filter((n) => !n.isUp).map((n) => n.node) : []);
  }

  startDown(id: string, lab: Lab): Promise<LabStatus> {
    return this.engine.withLab(id, async () => {
      const run = this.upRun(id);
      await Promise.all([...run.nodes.values()].filter((n) => !n.isUp).map((n) => n.start()));
      return this.state(id, lab);
    });
  }

  async stopLab(id: string, lab: Lab): Promise<LabStatus> {
    // Its scenario ends as the stop begins: a stop takes seconds, and no step may act on a lab going down.
    this.scenarios.stop(id);
    await this.engine.stop(id);
    return this.state(id, lab);
  }

  plan(id: string, saved: Lab, nodeName: string, action: NodeAction): Promise<ActionPlan> {
    const run = this.engine.run(id);
    const node = run?.nodes.get(nodeName);
    const pending = action === "start" || action === "restart" ? pendingNode(run?.lab ?? null, saved, nodeName) : null;
    const starts = action === "start" || action === "restart" ? (pending ?? node?.node ?? saved.nodes.find((n) => n.name === nodeName) ?? null) : null;
    return Promise.resolve({ starts, labUp: !!run?.up, nodeUp: !!node?.isUp });
  }

  async nodeAction(id: string, saved: Lab, nodeName: string, action: NodeAction): Promise<LabStatus> {
    if (!saved.nodes.some((n) => n.name === nodeName)) throw new EngineNotFoundError(`lab ${saved.name} has no node "${nodeName}"`);
    // Under the lab's lock, so a node action never interleaves with a start or stop of its lab; the
    // lab's own stop (its last node went down) takes the lock itself, after.
    const labDown = await this.engine.withLab(id, () => this.nodeActionLocked(id, saved, nodeName, action));
    if (labDown) await this.engine.stop(id);
    return this.state(id, saved);
  }

  /** The node action itself; true when the lab has no node up afterwards. */
  private async nodeActionLocked(id: string, saved: Lab, nodeName: string, action: NodeAction): Promise<boolean> {
    const run = this.engine.prepare(saved, id);
    // A (re)start takes the saved definition of the node when it can change alone; otherwise the running one stays.
    const pending = action === "start" || action === "restart" ? pendingNode(run.lab, saved, nodeName) : null;
    if (pending) run.assertApplicable(pending);
    else if (!run.nodes.has(nodeName)) {
      if (action === "start" || action === "restart")
        throw new LabRunError(`node ${nodeName} was added to lab ${saved.name} while it runs, plugged into a switch the running lab lacks: restart the lab`);
      throw new LabRunError(`node ${nodeName} was added to lab ${saved.name} while it runs and has not been started`);
    }
    switch (action) {
      case "start":
        if (pending && !run.nodes.get(nodeName)?.isUp) run.applyNode(pending);
        if (pending) run.takeDisks(saved.disks);
        await run.startNode(nodeName);
        break;
      case "stop":
        await run.node(nodeName).stop();
        break;
      case "restart":
        await run.nodes.get(nodeName)?.stop();
        if (pending) {
          run.applyNode(pending);
          run.takeDisks(saved.disks);
        }
        await run.startNode(nodeName);
        break;
      case "wipe": {
        const node = run.node(nodeName);
        await node.stop();
        await node.wipe();
        break;
      }
      case "crash":
        requireUp(saved.name, run.node(nodeName)).crash();
        break;
    }
    return !run.up;
  }

  pauseSwitch(id: string, sw: string, paused: boolean): Promise<LabStatus> {
    const run = this.upRun(id);
    if (!run.switches.has(sw)) throw new EngineNotFoundError(`lab ${run.lab.name} has no switch "${sw}"`);
    run.pauseSwitch(sw, paused);
    return Promise.resolve(this.state(id, run.lab));
  }

  async linkAction(id: string, nodeName: string, index: number, req: LinkRequest): Promise<LabStatus> {
    const run = this.upRun(id);
    const lab = run.lab;
    const def = lab.nodes.find((n) => n.name === nodeName);
    if (!def) throw new EngineNotFoundError(`lab ${lab.name} has no node "${nodeName}"`);
    if (!def.interfaces.some((i) => i.index === index)) throw new EngineNotFoundError(`node ${nodeName} has no interface "eth${index}"`);
    if (req.action === "impair") {
      await run.links.impair(lab, nodeName, index, { lossPct: req.lossPct ?? 0, delayMs: req.delayMs ?? 0, bandwidthKbit: req.bandwidthKbit ?? null, dupPct: req.dupPct ?? 0 });
    } else await run.links[req.action](lab, nodeName, index);
    return this.state(id, lab);
  }

  cableAction: EngineApi["cableAction"] = (...a) => this.serialCommands.cableAction(...a);

  diskAction: EngineApi["diskAction"] = (...a) => this.diskCommands.diskAction(...a);

  exec(id: string, node: string, script: string, timeoutS: number): Promise<ExecResult> {
    return this.upNode(id, node).exec(script, timeoutS);
  }

  mconsole(id: string, node: string, cmd: MconsoleCommand): Promise<MconsoleReply> {
    return this.upNode(id, node).mconsole(cmd);
  }

  async attach(id: string, node: string): Promise<ConsoleSnapshot> {
    const seq = this.seqs.get(`${id}\n${node}`) ?? 0;
    if (looksLikeLine(node)) return this.serialCommands.attach(id, node, seq);
    const n = this.engine.run(id)?.nodes.get(node);
    if (!n) return { screen: "", seq, state: "stopped" };
    // Read as of now: the chunks numbered up to `seq` are in it, later ones are not.
    return { screen: await this.screens.snapshot(id, node, () => n.console.text(), n), seq, state: n.state };
  }

  /** Keystrokes; typed while the node boots, they are kept until it runs. Nothing for a node not in a run. */
  input(id: string, node: string, data: string): void {
    if (looksLikeLine(node)) return this.serialCommands.input(id, node, data);
    this.engine.run(id)?.nodes.get(node)?.write(data);
  }

  resize(id: string, node: string, cols: number, rows: number): void {
    this.engine.run(id)?.nodes.get(node)?.resize(cols, rows);
    this.screens.resize(id, node, cols, rows);
  }

  playScenario(id: string, saved: Lab): Promise<ScenarioState> {
    return Promise.resolve(this.scenarios.play(id, saved));
  }

  stopScenario(id: string): Promise<ScenarioState> {
    return Promise.resolve(this.scenarios.stop(id));
  }

  scenarioState(id: string): Promise<ScenarioState> {
    return Promise.resolve(this.scenarios.state(id));
  }

  kernelUsers(kernel: string): Promise<string[]> {
    return Promise.resolve(this.engine.kernelUsers(kernel));
  }

  kernelList(): Promise<{ kernels: KernelInfo[]; build: KernelBuildState; rev: number }> {
    return Promise.resolve({ kernels: this.kernels.list(), build: this.kernels.status(), rev: this.engine.revision(BUILDS) });
  }

  buildFastKernel(): Promise<KernelBuildState> {
    return Promise.resolve(this.kernels.start());
  }

  buildCustomKernel(req: CustomKernelRequest): Promise<KernelBuildState> {
    return Promise.resolve(this.kernels.build(req));
  }

  removeKernel(name: string): Promise<{ removed: string; cancelled: boolean; builds: number }> {
    return this.kernels.remove(name);
  }

  kernelsReady(choices: (string | null)[]): Promise<void> {
    this.kernels.assertReady(choices);
    return Promise.resolve();
  }

  imageList(): Promise<{ images: ImageInfo[]; rev: number }> {
    return Promise.resolve({ images: this.images.list(), rev: this.engine.revision(BUILDS) });
  }

  buildImage(name: string): Promise<ImageStatus> {
    return Promise.resolve(this.images.build(name));
  }

  addImageRecipe(recipe: ImageRecipe): Promise<ImageStatus> {
    return Promise.resolve(this.images.add(recipe));
  }

  removeImageRecipe(name: string): Promise<{ removed: string; cancelled: boolean; images: number }> {
    return this.images.remove(name);
  }

  imagesReady(names: string[]): Promise<void> {
    this.images.assertReady(names);
    return Promise.resolve();
  }

  removeLabFiles(id: string): Promise<void> {
    if (this.engine.run(id)) throw new LabRunError(`the lab is running: stop it first`);
    this.engine.removeLabFiles(id);
    return Promise.resolve();
  }

  pruneNodeFiles(id: string, keep: string[], keepDisks: string[] | null): Promise<string[]> {
    return Promise.resolve(this.engine.pruneNodeFiles(id, keep, keepDisks));
  }

  rekeyLabFiles(from: string, to: string): Promise<boolean> {
    return Promise.resolve(this.engine.rekeyLabFiles(from, to));
  }

  // Snapshots, clones, merged images and archives: the lab's disk files (disk-commands.ts).
  snapshots: EngineApi["snapshots"] = (...a) => this.diskCommands.snapshots(...a);
  takeSnapshot: EngineApi["takeSnapshot"] = (...a) => this.diskCommands.takeSnapshot(...a);
  restoreSnapshot: EngineApi["restoreSnapshot"] = (...a) => this.diskCommands.restoreSnapshot(...a);
  removeSnapshot: EngineApi["removeSnapshot"] = (...a) => this.diskCommands.removeSnapshot(...a);
  copyLabDisks: EngineApi["copyLabDisks"] = (...a) => this.diskCommands.copyLabDisks(...a);
  takeShareSnapshot: EngineApi["takeShareSnapshot"] = (...a) => this.diskCommands.takeShareSnapshot(...a);
  removeShareSnapshot: EngineApi["removeShareSnapshot"] = (...a) => this.diskCommands.removeShareSnapshot(...a);
  copyShareDisks: EngineApi["copyShareDisks"] = (...a) => this.diskCommands.copyShareDisks(...a);
  mergeNodeDisk: EngineApi["mergeNodeDisk"] = (...a) => this.diskCommands.mergeNodeDisk(...a);
  exportLabArchive: EngineApi["exportLabArchive"] = (...a) => this.diskCommands.exportLabArchive(...a);
  unpackLabArchive: EngineApi["unpackLabArchive"] = (...a) => this.diskCommands.unpackLabArchive(...a);
  adoptLabArchive: EngineApi["adoptLabArchive"] = (...a) => this.diskCommands.adoptLabArchive(...a);
  dropLabArchive: EngineApi["dropLabArchive"] = (...a) => this.diskCommands.dropLabArchive(...a);
  // Captures of a running lab (capture-commands.ts).
  startCapture: EngineApi["startCapture"] = (...a) => this.captureCommands.startCapture(...a);
  stopCapture: EngineApi["stopCapture"] = (...a) => this.captureCommands.stopCapture(...a);
  removeCapture: EngineApi["removeCapture"] = (...a) => this.captureCommands.removeCapture(...a);
  watchCapture: EngineApi["watchCapture"] = (...a) => this.captureCommands.watchCapture(...a);
  captureRecent: EngineApi["captureRecent"] = (...a) => this.captureCommands.captureRecent(...a);
  exportCapture: EngineApi["exportCapture"] = (...a) => this.captureCommands.exportCapture(...a);

  /** The run of a lab that is up, or a conflict saying it is not running. */
  private upRun(id: string): LabRun {
    const run = this.engine.run(id);
    if (!run?.up) throw new LabRunError(`lab ${run?.lab.name ?? id} is not running`);
    return run;
  }

  private upNode(id: string, node: string): UmlNode {
    const run = this.engine.run(id);
    if (!run) throw new LabRunError(`the lab is not running`);
    return requireUp(run.lab.name, run.node(node));
  }
}

function requireUp(lab: string, node: UmlNode): UmlNode {
  if (!node.isUp) throw new LabRunError(`node ${node.name} of lab ${lab} is ${node.state}`);
  return node;
}

/** The saved definition of a node when labChanges says it can be applied by (re)starting that node alone. */
function pendingNode(running: Lab | null, saved: Lab, name: string): Node | null {
  if (!running) return null;
  const change = labChanges(running, saved).find((c) => c.kind === "node" && c.name === name);
  if (change?.apply !== "restart-node" && change?.apply !== "start-node") return null;
  return saved.nodes.find((n) => n.name === name) ?? null;
}
