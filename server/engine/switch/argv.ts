import type { Switch } from "../../model/lab";
import type { Impairment } from "../../model/link";
import { runRel } from "../paths";

/**
 * The command line of a switch, run in the foreground with the lab's run
 * directory as its working directory. vde_switch reads commands on stdin and
 * exits at its end, so the engine keeps a pipe open to it: if the server dies
 * the switches go with it. A vde switch gets `numports` ports (0…numports-1).
 */
export function buildSwitchArgv(sw: Switch, programs: { vde_switch: string; uml_switch: string }, numports: number): string[] {
  if (sw.kind === "vde") {
    const argv = [programs.vde_switch, "--sock", runRel.vdeDir(sw.name), "--mgmt", runRel.vdeMgmt(sw.name), "--numports", String(numports)];
    if (sw.mode === "hub") argv.push("--hub");
    // The host's tap takes the switch's first free port, 1: LabRun keeps port 1 for it.
    if (sw.tap) argv.push("--tap", sw.tap.name);
    return argv;
  }
  const argv = [programs.uml_switch, "-unix", runRel.umlSwitchSock(sw.name)];
  if (sw.mode === "hub") argv.push("-hub");
  if (sw.tap) argv.push("-tap", sw.tap.name);
  return argv;
}

/** The file whose appearance means the switch accepts guests. */
export function switchReadyPath(sw: Switch): string {
  return sw.kind === "vde" ? `${runRel.vdeDir(sw.name)}/ctl` : runRel.umlSwitchSock(sw.name);
}

/** wirefilter takes bandwidth in bytes per second. */
export const bytesPerSecond = (kbit: number) => Math.max(1, Math.round((kbit * 1000) / 8));

/**
 * The command line of a wirefilter joining two ports of one vde switch,
 * `near` (the node's side) and `far`, run in the lab's run directory.
 * Its stdin is the engine's pipe (wirefilter exits at its end).
 */
export function buildWirefilterArgv(program: string, sw: string, near: number, far: number, imp: Impairment): string[] {
  const argv = [program, "-v", `${runRel.vdePort(sw, near)}:${runRel.vdePort(sw, far)}`, "-M", runRel.wirefilterMgmt(sw, near)];
  if (imp.lossPct) argv.push("-l", String(imp.lossPct));
  if (imp.delayMs) argv.push("-d", String(imp.delayMs));
  if (imp.dupPct) argv.push("-D", String(imp.dupPct));
  if (imp.bandwidthKbit) argv.push("-b", String(bytesPerSecond(imp.bandwidthKbit)));
  return argv;
}

/** The wirefilter management commands that set every parameter of an impairment (0: off). */
export function wirefilterCommands(imp: Impairment): string[] {
  return [`loss ${imp.lossPct}`, `delay ${imp.delayMs}`, `dup ${imp.dupPct}`, `bandwidth ${imp.bandwidthKbit ? bytesPerSecond(imp.bandwidthKbit) : 0}`];
}
