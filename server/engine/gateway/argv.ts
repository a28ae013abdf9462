import type { Gateway } from "../../model/lab";
import { runRel } from "../paths";

/**
 * slirpvde's command line, run with the lab's run directory as its working
 * directory: user-mode NAT between the switch and the host's network
 * (10.0.2.0/24, the host at 10.0.2.2, DNS at 10.0.2.3), DHCP when asked.
 */
export function buildGatewayArgv(gw: Gateway & { switch: string }, port: number, slirpvde: string): string[] {
  // A port of its own on the switch, so link faults on node ports never touch it.
  const argv = [slirpvde, "-s", runRel.vdePort(gw.switch, port)];
  if (gw.dhcp) argv.push("-D");
  for (const f of gw.forward) argv.push("-L", f);
  return argv;
}
