import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { readStat } from "../procs";

/**
 * The one engine of a data root holds its lock file, made exclusively, from
 * its start to its end: an engine process, or a web server that runs its
 * labs in-process. The file names the holder by pid and start time, so a
 * holder that died without removing it, or whose pid a later process took,
 * does not hold it.
 */
const me = () => `${process.pid} ${readStat(process.pid)?.start ?? 0}\n`;

function held(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return false;
  }
  const [pid, start] = text.trim().split(" ").map(Number);
  if (!(pid > 0)) return false;
  const stat = readStat(pid);
  return stat !== null && stat.state !== "Z" && stat.start === start;
}

/** Takes the lock, or takes it over from a holder that is gone; false when a live one holds it. */
export function takeEngineLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, me(), { flag: "wx", mode: 0o600 });
      return true;
    } catch {
      if (held(path)) return false;
      rmSync(path, { force: true });
    }
  }
  return false;
}

export function releaseEngineLock(path: string): void {
  try {
    if (readFileSync(path, "utf8") === me()) rmSync(path, { force: true });
  } catch {
    // not there
  }
}

/** Whether an engine answers on this unix socket. */
export function engineAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
