import type { ConsoleSnapshot, EngineApi } from "./api";
import type { ConsoleScreens } from "./console-screens";
import type { Engine } from "./engine";
import { LabRunError, type LabRun, type LabStatus } from "./lab-run";
import { SerialError } from "./serial/serial-lines";

type SerialApi = Pick<EngineApi, "cableAction">;

/** A line's terminal has no size of its own to start from: the guest never says one. */
const LINE_SCREEN = { cols: 80, rows: 24 };

/**
 * The engine commands about a running lab's serial lines and cables
 * (serial/serial-lines.ts): cutting and mending a cable, and the terminal
 * of a line with no cable, which is a console named NODE.ttySN.
 */
export class SerialCommands implements SerialApi {
  constructor(
    private readonly engine: Engine,
    private readonly screens: ConsoleScreens,
  ) {}

  async cableAction(id: string, line: string, action: "cut" | "mend"): Promise<LabStatus> {
    const run = this.up(id);
    run.serial.cableAction(line, action);
    return this.engine.status(run.lab, id);
  }

  /** A line's screen; `seq` is the number of its last output chunk (ConsoleSnapshot). */
  async attach(id: string, line: string, seq: number): Promise<ConsoleSnapshot> {
    const run = this.engine.run(id);
    const node = run?.nodes.get(line.slice(0, line.indexOf(".")));
    if (!run || !node) return { screen: "", seq, state: "stopped" };
    const raw = run.serial.screen(line);
    return { screen: await this.screens.snapshot(id, line, () => raw, LINE_SCREEN), seq, state: node.state };
  }

  input(id: string, line: string, data: string): void {
    this.engine.run(id)?.serial.input(line, data);
  }

  private up(id: string): LabRun {
    const run = this.engine.run(id);
    if (!run?.up) throw new LabRunError(`lab ${run?.lab.name ?? id} is not running`);
    return run;
  }
}

export { SerialError };
