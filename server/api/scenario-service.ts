import type { Principal } from "../auth/permissions";
import type { ScenarioState } from "../engine/scenario-player";
import { timeline, type ScenarioStep } from "../model/scenario";
import type { LabService } from "./lab-service";

/** A lab's scenario for the API: its steps in the order they run, and its last play. */
export interface ScenarioView extends ScenarioState {
  lab: string;
  steps: ScenarioStep[];
}

/**
 * Scenarios over the HTTP API and the CLI: the saved lab's steps, played by
 * the engine on the running lab (so a play goes on while the web server
 * restarts); its progress reaches pages as the lab's live patches.
 */
export async function scenarioOf(svc: LabService, who: Principal, ref: string): Promise<ScenarioView> {
  const s = await svc.mine(who, ref);
  return { lab: s.name, steps: timeline(s.lab.scenario), ...(await svc.engine.scenarioState(s.id)) };
}

export async function playScenario(svc: LabService, who: Principal, ref: string): Promise<ScenarioView> {
  const s = await svc.mine(who, ref);
  return { lab: s.name, steps: timeline(s.lab.scenario), ...(await svc.engine.playScenario(s.id, s.lab)) };
}

export async function stopScenario(svc: LabService, who: Principal, ref: string): Promise<ScenarioView> {
  const s = await svc.mine(who, ref);
  return { lab: s.name, steps: timeline(s.lab.scenario), ...(await svc.engine.stopScenario(s.id)) };
}
