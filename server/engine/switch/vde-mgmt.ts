import { closeSync, openSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

export class MgmtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MgmtError";
  }
}

/** One answer of a VDE management console (vde_switch, wirefilter). */
export interface MgmtReply {
  /** 1000 is success; 1NNN otherwise, NNN being an errno (1006 ENXIO, 1017 EEXIST, 1022 EINVAL, 1038 ENOSYS). */
  code: number;
  text: string;
  /** The lines of an output block ("0000 DATA END WITH '.'" … "."). */
  data: string[];
}

const DATA_START = "0000 DATA END WITH '.'";
// The prompt ("vde$ ", "VDEwf$ ") ends without a newline, so it starts the next answer's first line.
const PROMPT = /^[A-Za-z]*\$ /;
const CODE = /^(1\d{3}) (.*)$/;

/**
 * The first complete answer in `buf`, and what follows it; null while the
 * answer is incomplete. Banners, prompts and event lines (3NNN) around it
 * are skipped.
 */
export function parseMgmtReply(buf: string): { reply: MgmtReply; rest: string } | null {
  const data: string[] = [];
  let inData = false;
  let at = 0;
  for (;;) {
    const nl = buf.indexOf("\n", at);
    if (nl < 0) return null;
    const raw = buf.slice(at, nl).replace(/\r$/, "");
    at = nl + 1;
    if (inData) {
      if (raw === ".") inData = false;
      else data.push(raw);
      continue;
    }
    const line = raw.replace(PROMPT, "");
    if (line === DATA_START) {
      inData = true;
      continue;
    }
    const m = CODE.exec(line);
    if (m) return { reply: { code: Number(m[1]), text: m[2], data }, rest: buf.slice(at) };
  }
}

/**
 * A Unix socket path for `rel` inside `dir` that fits the 108-byte limit
 * however deep `dir` is: through /proc/self/fd of an open handle on `dir`.
 * The handle must be closed once connected.
 */
function shortPath(dir: string, rel: string): { path: string; fd: number | null } {
  const full = join(dir, rel);
  if (Buffer.byteLength(full) < 100) return { path: full, fd: null };
  const fd = openSync(dir, "r");
  return { path: `/proc/self/fd/${fd}/${rel}`, fd };
}

/**
 * Sends commands, one at a time (wirefilter takes one command per read),
 * to the management socket `rel` of `dir` and returns every answer. Each
 * command has `timeoutMs` to be answered: a stopped (SIGSTOP) or hung
 * switch is an error, never a wait.
 */
export function mgmtSession(dir: string, rel: string, commands: string[], timeoutMs = 3000): Promise<MgmtReply[]> {
  return new Promise((resolve, reject) => {
    const { path, fd } = shortPath(dir, rel);
    let fdOpen = fd !== null;
    // Once only: a number closed twice may by then name another file.
    const closeFd = () => {
      if (fdOpen) closeSafe(fd!);
      fdOpen = false;
    };
    const socket = connect({ path });
    const replies: MgmtReply[] = [];
    let buf = "";
    let timer: ReturnType<typeof setTimeout> | null = null;
    let done = false;
    const finish = (e: Error | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      closeFd();
      socket.destroy();
      if (e) reject(e);
      else resolve(replies);
    };
    const arm = (what: string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(new MgmtError(`${rel}: no answer to "${what}" within ${timeoutMs} ms`)), timeoutMs);
    };
    const next = () => {
      const cmd = commands[replies.length];
      if (cmd === undefined) return finish(null);
      arm(cmd);
      socket.write(`${cmd}\n`);
    };
    arm("connect");
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      closeFd();
      next();
    });
    socket.on("data", (d: string) => {
      buf += d;
      for (let got = parseMgmtReply(buf); got && !done; got = parseMgmtReply(buf)) {
        buf = got.rest;
        replies.push(got.reply);
        next();
      }
    });
    socket.on("error", (e) => finish(new MgmtError(`${rel}: ${e.message}`)));
    socket.on("close", () => finish(new MgmtError(`${rel}: closed before answering`)));
  });
}

function closeSafe(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Throws unless every answer is a success or one of the codes `allowed` at its position (e.g. 1017 "exists"). */
export function expectOk(commands: string[], replies: MgmtReply[], allowed: Record<number, number[]> = {}): void {
  replies.forEach((r, i) => {
    if (r.code !== 1000 && !(allowed[i] ?? []).includes(r.code)) throw new MgmtError(`"${commands[i]}" failed: ${r.code} ${r.text}`);
  });
}
