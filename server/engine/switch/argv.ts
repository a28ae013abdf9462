import type { Switch } from "../../model/lab";
import { runRel } from "../paths";

/**
 * The command line of a switch, run in the foreground with the lab's run
 * directory as its working directory. vde_switch reads commands on stdin and
 * exits at its end, so the engine keeps a pipe open to it: if the server dies
 * the switches go with it.
 */
export function buildSwitchArgv(sw: Switch, programs: { vde_switch: string; uml_switch: string }): string[] {
  if (sw.kind === "vde") {
    const argv = [programs.vde_switch, "--sock", runRel.vdeDir(sw.name), "--mgmt", runRel.vdeMgmt(sw.name)];
    if (sw.mode === "hub") argv.push("--hub");
    return argv;
  }
  const argv = [programs.uml_switch, "-unix", runRel.umlSwitchSock(sw.name)];
  if (sw.mode === "hub") argv.push("-hub");
  return argv;
}

/** The file whose appearance means the switch accepts guests. */
export function switchReadyPath(sw: Switch): string {
  return sw.kind === "vde" ? `${runRel.vdeDir(sw.name)}/ctl` : runRel.umlSwitchSock(sw.name);
}
