import type { AgentChannel } from "./agent";
import { BootWatch } from "./boot-watch";
import { ConsoleLog } from "./console-log";
import { ConsoleNudger } from "./console-nudger";
import { RebootWatch, type RebootCause } from "./reboot-watch";

export interface GuestWatchHooks {
  /** The guest's linux.uml, once known. */
  program: () => number | null;
  running: () => boolean;
  booting: () => boolean;
  /** No output for too long while booting: the guest hung. */
  hung: () => void;
  /** It rebooted from inside; `back`: its agent announced itself already. */
  rebooted: (cause: RebootCause, back: boolean) => void;
}

/**
 * What watches one launch of a guest through its console and exec channel,
 * made at the launch and stopped when it exits: the log of its console, the
 * nudger against lost wakeups, the hung-boot watch and the reboot watch.
 */
export class GuestWatch {
  readonly log: ConsoleLog;
  readonly nudger: ConsoleNudger;
  readonly reboots: RebootWatch;
  private readonly boot: BootWatch;

  constructor(files: { log: string; mconsole: string }, agent: AgentChannel, hooks: GuestWatchHooks) {
    this.log = new ConsoleLog(files.log);
    this.nudger = new ConsoleNudger(hooks.program, hooks.running);
    this.boot = new BootWatch(hooks.program, hooks.booting, hooks.hung);
    this.reboots = new RebootWatch(files.mconsole, hooks.rebooted);
    agent.onActivity = () => this.nudger.sawOutput();
    agent.onReady = () => this.reboots.sawReady();
  }

  /** Console output, each chunk as it came. */
  sawOutput(d: string): void {
    this.nudger.sawOutput();
    this.boot.sawOutput(d);
    this.reboots.sawOutput(d);
    this.log.write(d);
  }

  stop(): void {
    this.nudger.stop();
    this.boot.stop();
    this.reboots.stop();
    this.log.close();
  }
}
