import { spawn } from "node:child_process";
import { realpathSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import { hostProgram } from "../host";

export class MconsoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MconsoleError";
  }
}

/**
 * Requests a person may send to a guest's machine console. `sysrq t` panics
 * this kernel (and uml_mconsole then waits forever), so sysrq keys are limited
 * to ones that only report, sync or end guest processes.
 */
export const SAFE_SYSRQ = ["m", "w", "s", "u", "e", "i", "h"] as const;
export type MconsoleCommand =
  | { op: "halt" | "reboot" | "cad" | "stop" | "go" | "version" }
  | { op: "sysrq"; key: (typeof SAFE_SYSRQ)[number] }
  | { op: "config"; device: string; value?: string }
  | { op: "remove"; device: string }
  | { op: "proc"; file: string };

const DEVICE = /^(ubd\d{1,2}[rsdc]*|eth\d{1,2}|ssl\d{1,2}|con\d{1,2})$/;

/** The argv words after the socket path; throws on a request outside the safe set. */
export function mconsoleWords(cmd: MconsoleCommand): string[] {
  switch (cmd.op) {
    case "sysrq":
      if (!SAFE_SYSRQ.includes(cmd.key)) throw new MconsoleError(`sysrq ${cmd.key} is not allowed (allowed: ${SAFE_SYSRQ.join(" ")})`);
      return ["sysrq", cmd.key];
    case "config":
      if (!DEVICE.test(cmd.device)) throw new MconsoleError(`"${cmd.device}" is not a UML device name`);
      return ["config", cmd.value === undefined ? cmd.device : `${cmd.device}=${cmd.value}`];
    case "remove":
      if (!DEVICE.test(cmd.device)) throw new MconsoleError(`"${cmd.device}" is not a UML device name`);
      return ["remove", cmd.device];
    case "proc":
      if (!/^[a-z0-9_/]+$/.test(cmd.file) || cmd.file.includes("..")) throw new MconsoleError(`"${cmd.file}" is not a /proc file`);
      return ["proc", cmd.file];
    default:
      return [cmd.op];
  }
}

const DISK = /^ubd\d{1,2}[rsdc]*$/;

/**
 * The `config` requests a guest's machine console gets from the engine: a
 * disk's configuration asked (`config ubdN`), or a disk plugged in
 * (`config ubdN=FILE`) whose FILE (relative to the run directory `cwd`, as
 * UML reads it) is a file that, every symlink resolved, lies inside the
 * node's own lab directory. Anything else (a network, serial line or
 * console device, which would have UML open host sockets, ttys or
 * programs; a COW pair or option; a file elsewhere) is refused with an
 * MconsoleError. Throws; returns nothing.
 */
export function checkConfigRequest(cmd: Extract<MconsoleCommand, { op: "config" }>, cwd: string, labDir: string): void {
  if (!DISK.test(cmd.device)) throw new MconsoleError(`config ${cmd.device}: only disks (ubdN=FILE in the lab's folder) can be configured through the machine console`);
  if (cmd.value === undefined) return;
  // UML reads "FILE,BACKING" (a COW pair) and "FILE:serial": one plain file only.
  if (!cmd.value || /[,:\s\0]/.test(cmd.value)) throw new MconsoleError(`config ${cmd.device}: "${cmd.value}" is not one file name (no commas, colons or spaces)`);
  let file: string;
  let lab: string;
  try {
    file = realpathSync(resolve(cwd, cmd.value));
    lab = realpathSync(labDir);
  } catch {
    throw new MconsoleError(`config ${cmd.device}: ${cmd.value} does not exist`);
  }
  if (!file.startsWith(lab + sep)) throw new MconsoleError(`config ${cmd.device}: ${cmd.value} is outside the lab's folder; a node's disks must be files of its own lab`);
  if (!statSync(file).isFile()) throw new MconsoleError(`config ${cmd.device}: ${cmd.value} is not a file`);
}

export interface MconsoleReply {
  ok: boolean;
  text: string;
}

/**
 * uml_mconsole's command line. A sandboxed guest has a network namespace of
 * its own, and UML answers to the abstract unix socket uml_mconsole sends
 * from, which exists only in the namespace it was made in: so uml_mconsole
 * runs in the guest's (nsenter; the server's own uid enters the guest's
 * user namespace first, root needs not).
 */
export function mconsoleArgv(socket: string, words: string[], programs: { uml_mconsole: string; nsenter: string }, netnsOf: number | null, root: boolean): string[] {
  const enter = netnsOf === null ? [] : [programs.nsenter, `--target=${netnsOf}`, ...(root ? [] : ["--user", "--preserve-credentials"]), "--net", "--"];
  return [...enter, programs.uml_mconsole, socket, ...words];
}

/**
 * Sends one request through uml_mconsole. It has no timeout of its own and
 * hangs when the guest dies mid-request, so it is always killed after
 * `timeoutMs`. `netnsOf`: the sandboxed guest's linux.uml, whose network
 * namespace uml_mconsole joins.
 */
export function mconsole(cwd: string, socket: string, cmd: MconsoleCommand, timeoutMs = 5000, netnsOf: number | null = null): Promise<MconsoleReply> {
  const words = mconsoleWords(cmd);
  return new Promise((resolve, reject) => {
    const programs = { uml_mconsole: hostProgram("uml_mconsole"), nsenter: netnsOf === null ? "" : hostProgram("nsenter") };
    const argv = mconsoleArgv(socket, words, programs, netnsOf, process.getuid?.() === 0);
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new MconsoleError(`mconsole ${words.join(" ")}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", () => {
      clearTimeout(timer);
      // Given a relative socket path, uml_mconsole first looks under ~/.uml and
      // /tmp/uml and says so before it finds the socket: drop those lines.
      const text = out
        .split("\n")
        .filter((l) => !/^Warning: couldn't stat file/.test(l))
        .join("\n")
        .trim();
      // uml_mconsole prints "OK <text>" or "ERR <text>".
      const ok = /^OK\b/.test(text);
      resolve({ ok, text: text.replace(/^(OK|ERR)\s?/, "") });
    });
  });
}
