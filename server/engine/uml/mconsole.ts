import { spawn } from "node:child_process";
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

export interface MconsoleReply {
  ok: boolean;
  text: string;
}

/**
 * Sends one request through uml_mconsole. It has no timeout of its own and
 * hangs when the guest dies mid-request, so it is always killed after
 * `timeoutMs`.
 */
export function mconsole(cwd: string, socket: string, cmd: MconsoleCommand, timeoutMs = 5000): Promise<MconsoleReply> {
  const words = mconsoleWords(cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(hostProgram("uml_mconsole"), [socket, ...words], { cwd, stdio: ["ignore", "pipe", "pipe"] });
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
