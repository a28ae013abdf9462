import { SYSTEM, type Principal } from "../auth/permissions";
import { timeline, type ScenarioAction, type ScenarioStep } from "../model/scenario";
import { ConflictError } from "../store/lab-store";
import type { LabService } from "./lab-service";
import type { ScenarioState } from "./scenario-runner";

/** A lab's scenario for the API: its steps in the order they run, and its last play. */
export interface ScenarioView extends ScenarioState {
  lab: string;
  steps: ScenarioStep[];
}

/**
 * Scenarios over the HTTP API and the CLI: the saved lab's steps, played by
 * the service's ScenarioRunner on the running lab.
 */
export async function scenarioOf(svc: LabService, who: Principal, ref: string): Promise<ScenarioView> {
  const s = await svc.mine(who, ref);
  return { lab: s.name, steps: timeline(s.lab.scenario), ...svc.scenarios.state(s.id) };
}

export async function playScenario(svc: LabService, who: Principal, ref: string): Promise<ScenarioView> {
  const s = await svc.mine(who, ref);
  if (!s.lab.scenario.length) throw new ConflictError(`lab ${s.name} has no scenario`);
  if (!(await svc.engine.usage([s.id]))[s.id]?.up) throw new ConflictError(`lab ${s.name} is not running: start it before playing its scenario`);
  return { lab: s.name, steps: timeline(s.lab.scenario), ...svc.scenarios.play(s.id, s.lab.scenario) };
}

export async function stopScenario(svc: LabService, who: Principal, ref: string): Promise<ScenarioView> {
  const s = await svc.mine(who, ref);
  return { lab: s.name, steps: timeline(s.lab.scenario), ...svc.scenarios.stop(s.id) };
}

/** One step, done the way the UI, API and CLI do it by hand; the play itself was allowed when it began. */
export function runScenarioStep(svc: LabService, lab: string /* its id */, a: ScenarioAction): Promise<unknown> {
  switch (a.kind) {
    case "pull":
    case "plug":
    case "clear":
      return svc.linkAction(SYSTEM, lab, a.node, `eth${a.iface}`, { action: a.kind });
    case "impair":
      return svc.linkAction(SYSTEM, lab, a.node, `eth${a.iface}`, { action: "impair", ...a.impair, bandwidthKbit: a.impair.bandwidthKbit ?? undefined });
    case "crash":
    case "start":
    case "stop":
    case "restart":
      return svc.nodeAction(SYSTEM, lab, a.node, a.kind);
    case "pause":
    case "resume":
      return svc.pauseSwitch(SYSTEM, lab, a.switch, a.kind === "pause");
  }
}
