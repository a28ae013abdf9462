import { EventEmitter } from "node:events";
import { timeline, type ScenarioAction, type ScenarioStep } from "../model/scenario";
import { LabRunError } from "./lab-run";

/** What one step of a play did, and when. */
export interface ScenarioEvent {
  /** The step's place in the lab file's list. */
  index: number;
  /** The action, as written: "pull node04.eth0". */
  text: string;
  /** When the step was due and when it ran, in ms after play was pressed. */
  plannedMs: number;
  atMs: number;
  ok: boolean;
  error?: string;
}

export interface ScenarioState {
  playing: boolean;
  /** When the last play began (ISO), or null: never played since the engine started. */
  startedAt: string | null;
  /** True when the last play was stopped before its last step. */
  stopped: boolean;
  log: ScenarioEvent[];
}

/** Does one action to a running lab (an engine command); a rejection is the step's error. */
export type StepRunner = (lab: string, action: ScenarioAction) => Promise<unknown>;

interface Play {
  startedAt: number;
  t0: number;
  log: ScenarioEvent[];
  playing: boolean;
  stopped: boolean;
  /** Cancels the wait for the next step. */
  wake: (() => void) | null;
}

/**
 * Plays scenarios: each step at its time after play was pressed, one after
 * another in timeline order (a step that takes long delays the next, never
 * overlaps it), every outcome logged; a failing step is logged and the rest
 * go on. One play per lab at a time; the last play's log is kept in memory.
 * Events: "event" (lab, ScenarioEvent), "state" (lab, ScenarioState).
 */
export class ScenarioRunner extends EventEmitter {
  private readonly plays = new Map<string, Play>();

  constructor(private readonly runStep: StepRunner) {
    super();
  }

  state(lab: string): ScenarioState {
    const p = this.plays.get(lab);
    if (!p) return { playing: false, startedAt: null, stopped: false, log: [] };
    return { playing: p.playing, startedAt: new Date(p.startedAt).toISOString(), stopped: p.stopped, log: [...p.log] };
  }

  /** Starts playing, from now; a second play while one runs is refused (LabRunError, naming the lab by `name`). */
  play(lab: string, steps: readonly ScenarioStep[], name = lab): ScenarioState {
    if (this.plays.get(lab)?.playing) throw new LabRunError(`the scenario of lab ${name} is already playing: stop it first`);
    const play: Play = { startedAt: Date.now(), t0: performance.now(), log: [], playing: true, stopped: false, wake: null };
    this.plays.set(lab, play);
    this.emit("state", lab, this.state(lab));
    void this.run(lab, play, timeline(steps));
    return this.state(lab);
  }

  /** Cancels the steps still pending (one already running finishes and is logged). */
  stop(lab: string): ScenarioState {
    const p = this.plays.get(lab);
    if (p?.playing) {
      p.playing = false;
      p.stopped = true;
      p.wake?.();
      this.emit("state", lab, this.state(lab));
    }
    return this.state(lab);
  }

  private async run(lab: string, play: Play, steps: ScenarioStep[]): Promise<void> {
    for (const step of steps) {
      await this.until(play, play.t0 + step.atMs);
      if (!play.playing) return;
      const atMs = Math.round(performance.now() - play.t0);
      const entry: ScenarioEvent = { index: step.index, text: step.what, plannedMs: step.atMs, atMs, ok: true };
      try {
        await this.runStep(lab, step.action);
      } catch (e) {
        entry.ok = false;
        entry.error = e instanceof Error ? e.message : String(e);
      }
      play.log.push(entry);
      if (this.plays.get(lab) === play) this.emit("event", lab, entry);
    }
    if (!play.playing) return;
    play.playing = false;
    this.emit("state", lab, this.state(lab));
  }

  /** Resolves at `t` (performance.now() time) or as soon as the play is stopped. */
  private async until(play: Play, t: number): Promise<void> {
    // Timers may fire a little early: wait again for what is left.
    for (let ms = t - performance.now(); ms > 0 && play.playing; ms = t - performance.now()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.ceil(ms));
        function done() {
          clearTimeout(timer);
          play.wake = null;
          resolve();
        }
        play.wake = done;
      });
    }
  }
}
