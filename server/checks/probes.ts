import { normalizeIP, parseInterfaceAddress, parsePrefix, prefixText } from "../model/address";
import { MAX_FILE_TEXT } from "../model/check-schema";
import type { CheckTest } from "../model/check";
import { parseAddresses } from "./addresses";
import { parseBgpSummary, parseOspfNeighbors } from "./frr";
import { matches } from "./pattern";
import { parsePing, pingError } from "./ping";
import { parseRoutes } from "./routes";

/**
 * Each test as one read-only command in its node (over the exec channel:
 * an argv, quoted for the guest's sh by the caller, or a fixed script with
 * nothing of the lab file spliced in), and the verdict on its answer, with
 * a reason that says what was seen.
 */

export interface Probe {
  node: string;
  argv?: string[];
  script?: string;
  timeoutS: number;
}

export interface Answer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Verdict {
  passed: boolean;
  reason: string;
}

const PING_WAIT_S = 2;

export function probeOf(t: CheckTest): Probe {
  const node = t.node;
  switch (t.kind) {
    case "reach":
      return { node, argv: ["ping", "-c", String(t.count), "-W", String(PING_WAIT_S), t.to], timeoutS: t.count * (PING_WAIT_S + 1) + 5 };
    case "route": {
      const family = parsePrefix(t.to)?.family ?? 4;
      // iproute2 answers in JSON; busybox knows no -j, and answers the second.
      return { node, script: `ip -j -${family} route show 2>/dev/null || ip -${family} route show`, timeoutS: 10 };
    }
    case "address":
      return { node, script: "ip -j addr show 2>/dev/null || ip addr show", timeoutS: 10 };
    case "ospf":
      return { node, argv: ["vtysh", "-c", "show ip ospf neighbor json"], timeoutS: 15 };
    case "bgp":
      return { node, argv: ["vtysh", "-c", "show bgp summary json"], timeoutS: 15 };
    case "daemon":
      // Every process's name (its first 15 characters), one a line; pgrep is not in every image.
      return { node, script: "cat /proc/[0-9]*/comm 2>/dev/null; true", timeoutS: 10 };
    case "file":
      return { node, argv: ["head", "-c", String(MAX_FILE_TEXT + 1), t.path], timeoutS: 10 };
    case "command":
      return t.argv ? { node, argv: t.argv, timeoutS: t.timeout } : { node, script: t.script!, timeoutS: t.timeout };
  }
}

const firstLine = (s: string) => s.trim().split("\n")[0]?.trim() ?? "";
const clip = (s: string, n = 120) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);
/** What a command printed, for a reason: its first line of stdout, else of stderr. */
const said = (r: Answer) => clip(firstLine(r.stdout) || firstLine(r.stderr) || `exit code ${r.exitCode}`);
const pass = (reason: string): Verdict => ({ passed: true, reason });
const fail = (reason: string): Verdict => ({ passed: false, reason });
const list = (items: string[]) => (items.length ? items.join(", ") : "none");

export function judge(t: CheckTest, r: Answer): Verdict {
  switch (t.kind) {
    case "reach": {
      const s = parsePing(r.stdout);
      const what = `ping ${t.to} from ${t.node}`;
      if (!s) return t.reachable ? fail(`${what}: ${pingError(r.stderr)}`) : pass(`${what}: ${pingError(r.stderr)}`);
      const seen = `${what}: ${s.lossPct}% loss`;
      return (s.received > 0) === t.reachable ? pass(seen) : fail(seen);
    }
    case "route":
      return judgeRoute(t, r);
    case "address": {
      const ifaces = parseAddresses(r.stdout);
      if (!ifaces.size) return fail(`ip addr on ${t.node}: ${said(r)}`);
      const have = ifaces.get(t.interface);
      if (!have) return fail(`${t.node} has no interface ${t.interface}`);
      const want = parseInterfaceAddress(t.address)!;
      const text = `${want.address}/${want.length}`;
      if (have.includes(text)) return pass(`${t.node}'s ${t.interface} has ${text}`);
      const other = have.find((a) => a.split("/")[0] === want.address);
      if (other) return fail(`${t.node}'s ${t.interface} has ${other}, not /${want.length}`);
      // The addresses of the family asked for: an IPv6 link-local says nothing about a missing IPv4 address.
      const sameFamily = have.filter((x) => x.includes(":") === (want.family === 6));
      return fail(`${t.node}'s ${t.interface} has no ${text} (it has: ${list(sameFamily)})`);
    }
    case "ospf": {
      const neighbors = parseOspfNeighbors(r.stdout);
      if (!neighbors) return fail(`vtysh on ${t.node}: ${said(r)}`);
      const found = neighbors.filter((n) => n.routerId === t.neighbor);
      const seen = neighbors.map((n) => `${n.routerId} ${n.state}`);
      if (!found.length) return fail(`${t.node} has no OSPF neighbour ${t.neighbor} (it has: ${list(seen)})`);
      if (found.some((n) => n.state.toLowerCase() === t.state.toLowerCase())) return pass(`${t.node}'s OSPF neighbour ${t.neighbor} is ${found[0].state}`);
      return fail(`${t.node}'s OSPF neighbour ${t.neighbor} is ${found.map((n) => n.state).join(", ")}, not ${t.state}`);
    }
    case "bgp": {
      const peers = parseBgpSummary(r.stdout);
      if (!peers) return fail(`vtysh on ${t.node}: ${said(r)}`);
      const want = normalizeIP(t.peer) ?? t.peer;
      const found = peers.find((p) => (normalizeIP(p.peer) ?? p.peer) === want);
      if (!found) return fail(`${t.node} has no BGP peer ${t.peer} (it has: ${list([...new Set(peers.map((p) => p.peer))])})`);
      if (t.asn !== null && found.remoteAs !== t.asn) return fail(`${t.node}'s BGP peer ${t.peer} is AS ${found.remoteAs ?? "unknown"}, not AS ${t.asn}`);
      const state = found.state.split(" ")[0];
      if (state.toLowerCase() === t.state.toLowerCase()) return pass(`${t.node}'s BGP peer ${t.peer} is ${found.state}`);
      return fail(`${t.node}'s BGP peer ${t.peer} is ${found.state}, not ${t.state}`);
    }
    case "daemon": {
      const name = t.name.slice(0, 15);
      const n = r.stdout.split("\n").filter((l) => l.trim() === name).length;
      if (t.running) return n ? pass(`${t.name} runs on ${t.node}`) : fail(`${t.name} is not running on ${t.node}`);
      return n ? fail(`${t.name} runs on ${t.node} (${n} process${n > 1 ? "es" : ""})`) : pass(`${t.name} is not running on ${t.node}`);
    }
    case "file": {
      const where = `${t.node}:${t.path}`;
      if (r.exitCode !== 0) return fail(`cannot read ${where}: ${clip(firstLine(r.stderr).replace(/^head:\s*/, "") || `exit code ${r.exitCode}`)}`);
      if (t.content !== null) {
        if (r.stdout.length > MAX_FILE_TEXT) return fail(`${where} is longer than the expected text`);
        const [got, want] = [r.stdout.replace(/\s+$/, ""), t.content.replace(/\s+$/, "")];
        if (got === want) return pass(`${where} has the expected text`);
        const [a, b] = [got.split("\n"), want.split("\n")];
        const i = a.findIndex((line, k) => line !== b[k]);
        const line = i < 0 ? b.length : i;
        return fail(`${where} differs from the expected text at line ${line + 1}: ${JSON.stringify(clip(a[line] ?? "(end of file)", 80))}`);
      }
      const m = matches(t.pattern!, r.stdout);
      if (m === "timeout") return fail(`the pattern took too long on ${where}`);
      return m ? pass(`${where} matches /${t.pattern}/`) : fail(`${where} does not match /${t.pattern}/`);
    }
    case "command":
      return judgeCommand(t, r);
  }
}

function judgeRoute(t: Extract<CheckTest, { kind: "route" }>, r: Answer): Verdict {
  const want = parsePrefix(t.to)!;
  const prefix = prefixText(want);
  if (r.exitCode !== 0 && !r.stdout.trim()) return fail(`ip route on ${t.node}: ${said(r)}`);
  const routes = parseRoutes(r.stdout, want.family).filter((x) => x.prefix === prefix);
  const shown = (x: { via: string[]; dev: string[] }) => [x.via.length ? `via ${x.via.join(", ")}` : "", x.dev.length ? `dev ${x.dev.join(", ")}` : ""].filter(Boolean).join(" ");
  if (t.absent) return routes.length ? fail(`${t.node} has a route to ${t.to} (${shown(routes[0])})`) : pass(`no route to ${t.to} in ${t.node}'s table`);
  if (!routes.length) return fail(`no route to ${t.to} in ${t.node}'s table`);
  const via = t.via === null ? null : normalizeIP(t.via);
  const ok = routes.find((x) => (via === null || x.via.includes(via)) && (t.dev === null || x.dev.includes(t.dev)));
  if (ok) return pass(`${t.node} routes ${t.to} ${shown(ok)}`.trim());
  const x = routes[0];
  const seen = x.via.length ? `via ${x.via.join(", ")}` : `directly on ${x.dev.join(", ") || "no device"}`;
  if (via !== null && !x.via.includes(via)) return fail(`${t.node}'s route to ${t.to} goes ${seen}, not via ${t.via}`);
  return fail(`${t.node}'s route to ${t.to} goes ${shown(x)}, not on ${t.dev}`);
}

function judgeCommand(t: Extract<CheckTest, { kind: "command" }>, r: Answer): Verdict {
  const cmd = clip(t.argv ? t.argv.join(" ") : firstLine(t.script ?? ""), 60);
  const what = `\`${cmd}\` on ${t.node}`;
  if (t.exit !== null && r.exitCode !== t.exit) return fail(`${what} exited ${r.exitCode}, not ${t.exit}${said(r) ? `: ${said(r)}` : ""}`);
  // As kathara-lab-checker reads it: stdout, or stderr when stdout is empty, trimmed.
  const printed = (r.stdout.trim() || r.stderr.trim()).replace(/\r\n?/g, "\n");
  if (t.stdout !== null) {
    return printed === t.stdout.trim().replace(/\r\n?/g, "\n") ? pass(`${what} printed the expected output`) : fail(`${what} printed ${JSON.stringify(clip(printed, 100))}, not the expected output`);
  }
  if (t.pattern !== null) {
    const m = matches(t.pattern, printed);
    if (m === "timeout") return fail(`the pattern took too long on what ${what} printed`);
    return m ? pass(`${what} printed a match for /${t.pattern}/`) : fail(`${what} printed no match for /${t.pattern}/: ${JSON.stringify(clip(firstLine(printed), 80))}`);
  }
  return pass(`${what} exited ${r.exitCode}`);
}
