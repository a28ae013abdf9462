import { machine } from "node:os";
import * as pty from "node-pty";
import { hostProgram, umlTmpDir } from "../host";
import { buildUmlArgv, withoutAslr, type UmlLaunch } from "./argv";

export interface GuestTerminal {
  /** The lab's run directory: UML's sockets and umid folder are relative to it. */
  cwd: string;
  /** The preloaded helper (uml/xstate-shim.ts). */
  shim: string;
  cols: number;
  rows: number;
}

/**
 * Starts a guest's linux.uml on a pty of its own, the node's console:
 * without address-space randomisation (see ARCHITECTURE.md), with the
 * preloaded helper, which also makes the host side of the pty raw, and with
 * UML's memory files on tmpfs.
 */
export function spawnGuest(launch: UmlLaunch, t: GuestTerminal): pty.IPty {
  const argv = withoutAslr(buildUmlArgv(launch), hostProgram("setarch"), machine());
  return pty.spawn(argv[0], argv.slice(1), {
    name: "xterm-256color",
    cols: t.cols,
    rows: t.rows,
    cwd: t.cwd,
    env: { ...process.env, LD_PRELOAD: t.shim, UMLAB_RAW_STDIN: "1", TMPDIR: umlTmpDir() } as Record<string, string>,
  });
}
