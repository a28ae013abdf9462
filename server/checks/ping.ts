/** What a ping said: its summary line, or why it sent nothing. */
export interface PingSummary {
  transmitted: number;
  received: number;
  lossPct: number;
}

/**
 * The summary of iputils' or busybox's ping: "3 packets transmitted, 3
 * received, 0% packet loss, time 2003ms" or "3 packets transmitted, 0
 * packets received, 100% packet loss". Null when there is none (a bad
 * address, an unreachable network: the error is on stderr).
 */
export function parsePing(stdout: string): PingSummary | null {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+\d+ (?:errors|duplicates))*, (\d+(?:\.\d+)?)% packet loss/.exec(stdout);
  return m ? { transmitted: Number(m[1]), received: Number(m[2]), lossPct: Number(m[3]) } : null;
}

/** The reason a ping sent nothing, from its stderr: "Network is unreachable", "bad address 'x'". */
export function pingError(stderr: string): string {
  const line = stderr.split("\n").map((l) => l.trim()).find(Boolean) ?? "";
  return line.replace(/^ping:\s*(?:(?:connect|sendto|sendmsg):\s*)?/, "") || "no answer";
}
