import type { Lab } from "../model/lab";
import type { ScenarioAction } from "../model/scenario";
import type { EngineApi } from "./api";
import type { Engine } from "./engine";
import { LabRunError } from "./lab-run";
import { ScenarioRunner, type ScenarioEvent, type ScenarioState } from "./scenario-player";

/** The engine's commands a scenario's steps are made of. */
type StepCommands = Pick<EngineApi, "linkAction" | "nodeAction" | "pauseSwitch" | "cableAction">;

/**
 * The scenario plays of an engine's labs, by lab id: each played from the
 * saved lab it was given (its steps act on that definition), each step the
 * same command a person would give, and the play's progress committed to the
 * lab's live state.
 */
export class LabScenarios {
  private readonly runner = new ScenarioRunner((id, action) => this.step(id, action));
  private readonly playing = new Map<string, Lab>();

  constructor(
    private readonly engine: Engine,
    private readonly commands: StepCommands,
  ) {
    this.runner.on("state", (id: string, state: ScenarioState) => engine.commit(id, { kind: "scenario", state }));
    this.runner.on("event", (id: string, entry: ScenarioEvent) => engine.commit(id, { kind: "scenario-step", entry }));
  }

  play(id: string, saved: Lab): ScenarioState {
    if (!saved.scenario.length) throw new LabRunError(`lab ${saved.name} has no scenario`);
    if (!this.engine.run(id)?.up) throw new LabRunError(`lab ${saved.name} is not running: start it before playing its scenario`);
    const state = this.runner.play(id, saved.scenario, saved.name);
    this.playing.set(id, saved);
    return state;
  }

  stop(id: string): ScenarioState {
    return this.runner.stop(id);
  }

  state(id: string): ScenarioState {
    return this.runner.state(id);
  }

  private step(id: string, a: ScenarioAction): Promise<unknown> {
    const saved = this.playing.get(id);
    if (!saved) return Promise.reject(new LabRunError("the scenario's lab is gone"));
    switch (a.kind) {
      case "pull":
      case "plug":
      case "clear":
        return this.commands.linkAction(id, a.node, a.iface, { action: a.kind });
      case "impair":
        return this.commands.linkAction(id, a.node, a.iface, { action: "impair", ...a.impair, bandwidthKbit: a.impair.bandwidthKbit ?? undefined });
      case "crash":
      case "start":
      case "stop":
      case "restart":
        return this.commands.nodeAction(id, saved, a.node, a.kind);
      case "pause":
      case "resume":
        return this.commands.pauseSwitch(id, a.switch, a.kind === "pause");
      case "cut":
      case "mend":
        return this.commands.cableAction(id, `${a.node}.ttyS${a.line}`, a.kind);
    }
  }
}
