import { LineCounter } from "yaml";
import { isIP } from "../../model/address";
import { OSPF_STATES, resolveChecks } from "../../model/check";
import type { RawCheck } from "../../model/check-schema";
import { LabDefinitionError, type Problem } from "../../model/errors";
import { MAX_ALIASES } from "../labyaml";
import { parseDocumentSafely } from "../yaml-safe";

/**
 * kathara-lab-checker's configuration (its `--config` file, JSON or YAML;
 * its examples name it correction.json or correction.yaml) as umlab checks.
 * Its `test` keys become typed checks, one for each verdict the tool gives:
 * ip_mapping (address), daemons with the `!` prefix for not running
 * (daemon), kernel_routes with `!` or next hops (route), protocols.ospfd
 * neighbors (ospf) and routes (a vtysh command), protocols.bgpd neighbors
 * (bgp) and routes (a vtysh command), reachability with `!` (reach) and
 * custom_commands (command: exit_code, output, regex_match). What umlab does
 * not carry over is a warning, never dropped in silence. Pure.
 */

/** The names a checker file is found by beside lab.conf, in this order. */
export const CHECKER_FILES = ["correction.yaml", "correction.yml", "correction.json"];

export interface CheckerImport {
  checks: RawCheck[];
  warnings: string[];
}

/** How the tool's settings read here: used by nothing, said once. */
const SETTINGS: Record<string, string> = {
  convergence_time: "checks run on the running lab when asked (a check's `wait:` retries it until then)",
  default_image: "the lab's own images are used",
  structure: "the lab's structure (devices and collision domains) is not checked",
  lab_inline: "the lab's structure (devices and collision domains) is not checked",
  labs_path: "checks run on this lab",
};
const UNSUPPORTED_TESTS = ["requiring_startup", "ipv6_enabled", "sysctls", "bridges", "applications"];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const safeId = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[^A-Za-z0-9]+/, "").slice(0, 64) || "check";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The file's content: JSON, else YAML (as the tool reads it). Throws with the file's name when it is neither. */
export function readCheckerText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const doc = parseDocumentSafely(text, new LineCounter(), { uniqueKeys: true });
    if (doc.errors.length) throw new LabDefinitionError([{ path: [], file, message: `neither JSON nor YAML: ${doc.errors[0].message.split("\n")[0]}` }]);
    try {
      return doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      throw new LabDefinitionError([{ path: [], file, message: (e as Error).message }]);
    }
  }
}

/**
 * Converts a checker configuration. `node` maps the file's device names to
 * the lab's nodes (null: no such node, its checks left out with a warning).
 */
export function convertChecker(config: unknown, file: string, node: (device: string) => string | null): CheckerImport {
  if (!isObj(config) || !isObj(config.test)) throw new LabDefinitionError([{ path: [], file, message: "not a kathara-lab-checker configuration: it has no `test` mapping" }]);
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(`${file}: ${m}`);
  for (const key of Object.keys(config)) if (key !== "test") warn(SETTINGS[key] ? `${key} is not used: ${SETTINGS[key]}` : `unknown key ${key} was ignored`);

  const checks: RawCheck[] = [];
  const ids = new Set<string>();
  const nodes = new Set<string>();
  const missing = new Set<string>();
  const add = (idBase: string, device: string, check: Omit<RawCheck, "id">, where: string) => {
    let id = safeId(idBase);
    for (let i = 2; ids.has(id); i++) id = `${safeId(idBase).slice(0, 60)}-${i}`;
    const raw = { id, ...check } as RawCheck;
    const problems: Problem[] = [];
    resolveChecks([raw], { nodes }, problems);
    if (problems.length) return warn(`${where} (${device}) was not imported: ${problems[0].message}`);
    ids.add(id);
    checks.push(raw);
  };
  /** Each device's entries, under a test key; a device the lab lacks is left out, with one warning. */
  const perDevice = (value: unknown, where: string, each: (n: string, entries: unknown, device: string) => void) => {
    if (!isObj(value)) return warn(`${where} is not a mapping of devices: ignored`);
    for (const [device, entries] of Object.entries(value)) {
      const n = node(device);
      if (!n) {
        if (!missing.has(device)) warn(`the lab has no device ${device}: its checks were not imported`);
        missing.add(device);
        continue;
      }
      nodes.add(n);
      each(n, entries, device);
    }
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
  const negated = (s: string) => (s.startsWith("!") ? { value: s.slice(1), not: true } : { value: s, not: false });

  for (const [key, value] of Object.entries(config.test)) {
    const where = `test.${key}`;
    switch (key) {
      case "ip_mapping":
        perDevice(value, where, (n, ifaces, device) => {
          if (!isObj(ifaces)) return warn(`${where}.${device} is not a mapping of interfaces: ignored`);
          for (const [iface, addr] of Object.entries(ifaces)) {
            const name = /^\d+$/.test(iface) ? `eth${iface}` : iface;
            const a = String(addr);
            // The tool reads a bare address as Python's ip_interface does: a host prefix.
            const address = a.includes("/") ? a : `${a}/${a.includes(":") ? 128 : 32}`;
            add(`ip-${n}-${name}`, device, { description: `${n}'s ${name} has address ${address}`, address: { node: n, interface: name, address } }, `${where}.${device}.${iface}`);
          }
        });
        break;
      case "daemons":
        perDevice(value, where, (n, names, device) => {
          for (const d of list(names)) {
            const { value: name, not } = negated(String(d));
            add(`${not ? "no-" : ""}daemon-${n}-${name}`, device, { daemon: { node: n, name, ...(not ? { running: false } : {}) } }, `${where}.${device}: ${String(d)}`);
          }
        });
        break;
      case "kernel_routes":
        perDevice(value, where, (n, routes, device) => {
          for (const r of list(routes)) {
            const [prefixText, hops] = Array.isArray(r) ? [String(r[0]), list(r[1]).map(String)] : [String(r), []];
            const { value: to, not } = negated(prefixText);
            const base = `route-${n}-${to.replace("/", "_")}`;
            if (not) add(`no-${base}`, device, { route: { node: n, to, absent: true } }, `${where}.${device}: ${prefixText}`);
            else if (!hops.length) add(base, device, { route: { node: n, to } }, `${where}.${device}: ${prefixText}`);
            for (const hop of hops) add(hops.length > 1 ? `${base}-${hop}` : base, device, { route: { node: n, to, ...(isIP(hop) ? { via: hop } : { dev: hop }) } }, `${where}.${device}: ${to} via ${hop}`);
            if (hops.length > 1) warn(`${where}.${device}: ${to} has ${hops.length} next hops: each is checked, not that there are no others`);
          }
        });
        break;
      case "reachability":
        perDevice(value, where, (n, dests, device) => {
          for (const d of list(dests)) {
            const { value: to, not } = negated(String(d));
            add(`${not ? "no-" : ""}reach-${n}-${to}`, device, { reach: { node: n, to, ...(not ? { reachable: false } : {}) } }, `${where}.${device}: ${String(d)}`);
          }
        });
        break;
      case "custom_commands":
        perDevice(value, where, (n, commands, device) => {
          list(commands).forEach((c, i) => {
            if (!isObj(c) || typeof c.command !== "string") return warn(`${where}.${device}[${i}] has no command: ignored`);
            const command = c.command;
            const at = `${where}.${device}[${i}]`;
            const base = { node: n, script: command };
            if (c.exit_code !== undefined) add(`command-${n}-${i + 1}-exit`, device, { command: { ...base, exit: Number(c.exit_code) } }, at);
            if (c.output !== undefined) add(`command-${n}-${i + 1}-output`, device, { command: { ...base, exit: "any", stdout: String(c.output) } }, at);
            if (c.regex_match !== undefined) add(`command-${n}-${i + 1}-match`, device, { command: { ...base, exit: "any", pattern: String(c.regex_match) } }, at);
            for (const k of Object.keys(c)) if (!["command", "exit_code", "output", "regex_match"].includes(k)) warn(`${at}: unknown key ${k} was ignored`);
          });
        });
        break;
      case "protocols":
        if (!isObj(value)) {
          warn(`${where} is not a mapping of daemons: ignored`);
          break;
        }
        for (const [daemon, tests] of Object.entries(value)) protocol(daemon, tests, `${where}.${daemon}`);
        break;
      default:
        warn(UNSUPPORTED_TESTS.includes(key) ? `${where} is not supported by umlab's checks and was not imported` : `unknown key ${where} was ignored`);
    }
  }

  function protocol(daemon: string, tests: unknown, where: string) {
    if (!isObj(tests)) return warn(`${where} is not a mapping: ignored`);
    for (const [key, value] of Object.entries(tests)) {
      const at = `${where}.${key}`;
      if (daemon === "ospfd" && key === "neighbors")
        perDevice(value, at, (n, neighbors, device) => {
          for (const nb of list(neighbors)) {
            if (!isObj(nb)) continue;
            const id = String(nb.router_id);
            const wanted = String(nb.state ?? "Full");
            const state = OSPF_STATES.find((s) => s.toLowerCase() === wanted.toLowerCase()) ?? wanted;
            add(`ospf-${n}-${id}`, device, { ospf: { node: n, neighbor: id, state } }, `${at}.${device}: ${id}`);
          }
        });
      else if ((daemon === "ospfd" || daemon === "bgpd") && key === "routes")
        perDevice(value, at, (n, routes, device) => {
          const show = daemon === "ospfd" ? "show ip ospf route json" : "show ip bgp json";
          for (const r of list(routes)) {
            const route = isObj(r) ? String(r.route) : String(r);
            if (daemon === "bgpd" && isObj(r) && r.aspath !== undefined) warn(`${at}.${device}: ${route}'s AS paths are not compared`);
            add(`${daemon === "ospfd" ? "ospf" : "bgp"}-route-${n}-${route.replace("/", "_")}`, device, {
              description: `${n} has the ${daemon === "ospfd" ? "OSPF" : "BGP"} route ${route}`,
              command: { node: n, argv: ["vtysh", "-c", show], pattern: `"${escape(route)}"\\s*:` },
            }, `${at}.${device}: ${route}`);
          }
        });
      else if (daemon === "bgpd" && key === "neighbors")
        perDevice(value, at, (n, peers, device) => {
          for (const p of list(peers)) {
            const ip = isObj(p) ? String(p.ip) : String(p);
            const asn = isObj(p) && p.asn !== undefined ? Number(p.asn) : undefined;
            add(`bgp-${n}-${ip}`, device, { bgp: { node: n, peer: ip, ...(asn !== undefined ? { asn } : {}) } }, `${at}.${device}: ${ip}`);
          }
        });
      else warn(`${at} is not supported by umlab's checks and was not imported`);
    }
  }

  return { checks, warnings };
}

/** umlab's own checks in a Kathará folder (what `umlab export --kathara` writes): the lab file's `checks:`, by Kathará's device names. */
export const UMLAB_CHECKS_FILE = "checks.yaml";

/**
 * The checks a Kathará folder brings: umlab's checks.yaml when it has one,
 * else a kathara-lab-checker file (CHECKER_FILES). `read` gives a file's
 * text (null when it has none or it is not text).
 */
export function folderChecks(has: (path: string) => boolean, read: (path: string) => string | null, node: (device: string) => string | null, warnings: string[]): RawCheck[] | undefined {
  if (has(UMLAB_CHECKS_FILE)) {
    const text = read(UMLAB_CHECKS_FILE);
    const data = text === null ? null : readCheckerText(text, UMLAB_CHECKS_FILE);
    if (!isObj(data) || !Array.isArray(data.checks)) throw new LabDefinitionError([{ path: [], file: UMLAB_CHECKS_FILE, message: "has no `checks:` list" }]);
    return (data.checks as RawCheck[]).map((c) => {
      const kind = Object.keys(c).find((k) => isObj((c as Obj)[k]) && typeof ((c as Obj)[k] as Obj).node === "string");
      if (!kind) return c;
      const test = (c as Obj)[kind] as Obj;
      return { ...c, [kind]: { ...test, node: node(String(test.node)) ?? test.node } };
    });
  }
  const found = CHECKER_FILES.filter(has);
  if (!found.length) return undefined;
  if (found.length > 1) warnings.push(`${found.slice(1).join(", ")} ${found.length > 2 ? "were" : "was"} not read: the checks come from ${found[0]}`);
  const text = read(found[0]);
  if (text === null) return undefined;
  const { checks, warnings: w } = convertChecker(readCheckerText(text, found[0]), found[0], node);
  warnings.push(...w);
  return checks;
}
