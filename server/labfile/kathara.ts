import { LabDefinitionError, formatPath, type FieldPath, type Problem } from "../model/errors";
import { MAX_INTERFACES, resolveLab, type RawLab, type RawNode } from "../model/lab";
import { isValidName, nameProblem } from "../model/names";
import { bridgeDevices, type BridgedDevice } from "./kathara/bridged";
import { CHECKER_FILES, UMLAB_CHECKS_FILE, folderChecks } from "./kathara/checker";
import { SHARED_MOUNT, UNPLUGGED_DOMAIN_PREFIX } from "./kathara/export";
import { parseLabConf, parseLabDep, textLines, type Device } from "./kathara/labconf";
import { DEFAULT_DEVICE_MIB, deviceSettings, type DeviceSettings } from "./kathara/options";

export { exportKathara } from "./kathara/export";

/**
 * Kathará (and Netkit) lab folders: lab.conf, NODE.startup, NODE/ (files
 * laid over the node's root), shared.startup, shared/ (seen in every device
 * as /shared), lab.dep (start order). Pure: the caller reads the folder or
 * archive. Every Kathará device becomes a node with role "router", because
 * Kathará turns IPv4 forwarding on in every device (a `sysctl
 * net.ipv4.ip_forward=0` option makes a host), and image "kathara" (Debian
 * like Kathará's base image, with FRR; Quagga's files run on FRR). Names Kathará allows and umlab does not (upper case, "_") are
 * renamed deterministically (lower case, "_" -> "-"), with a warning.
 * As in Kathará, the devices are the ones lab.conf names: a folder or
 * .startup of another name is not a device (Kathará 3 starts only what
 * lab.conf lists; Netkit's old rule that every folder is one is gone),
 * and the import says so in a warning.
 */

export interface KatharaImport {
  raw: RawLab;
  /** What was imported otherwise than written, or not at all: one sentence each, naming file and line. */
  warnings: string[];
}

export interface KatharaOptions {
  /** The lab's name, checked as given. */
  name?: string;
  /** Without a name: where to make one from (an archive's or folder's name), before the top folder and LAB_NAME. */
  nameHint?: string;
  /** The images this umlab has (its own, recipes, merged ones): a device whose image names one of them gets it. */
  images?: string[];
}

/** Files of no lab: what archivers leave in archives, and hidden entries at the top of the folder (.git/, .gitignore). */
const JUNK = (path: string) => path.startsWith("__MACOSX/") || path.startsWith(".") || /(^|\/)\.DS_Store$/.test(path);
const utf8 = new TextDecoder("utf-8", { fatal: true });
const TEST_DATA = "_test/ (what `kathara ltest` compares against) was not imported";

function toName(name: string, prefix: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return (/^[a-z]/.test(s) ? s : prefix + s).slice(0, 31);
}

/** A valid lab name made from a folder's or archive's name ("My_Lab.tar.gz" -> "my-lab"), or null. */
export function suggestLabName(hint: string): string | null {
  const base = hint.split(/[\\/]/).filter(Boolean).pop()?.replace(/\.(zip|tar\.gz|tgz|tar)$/i, "") ?? "";
  const name = base && toName(base, "lab-");
  return name && isValidName(name) ? name : null;
}

/** Names umlab accepts for Kathará's, without two the same. */
class Names {
  private readonly used = new Set<string>();
  readonly renamed: string[] = [];
  take(original: string, prefix: string, what: string): string {
    const base = toName(original, prefix);
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = base.slice(0, 31 - `-${i}`.length) + `-${i}`;
    this.used.add(name);
    if (name !== original) this.renamed.push(`${what} ${original} → ${name}`);
    return name;
  }
  /** A name of umlab's own making: this one, or with a number when taken. */
  free(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}-${i}`;
    this.used.add(name);
    return name;
  }
}

/** The lab folder's files: junk left out, and a single top folder holding lab.conf (an archive's) stripped. */
function labFolder(input: Record<string, Uint8Array>): { files: Map<string, Uint8Array>; top: string | null } {
  let entries = Object.entries(input).filter(([p]) => !JUNK(p));
  const tops = new Set(entries.map(([p]) => p.split("/")[0]));
  const [top] = tops;
  const strip = tops.size === 1 && !input["lab.conf"] && !!input[`${top}/lab.conf`];
  if (strip) entries = entries.map(([p, b]): [string, Uint8Array] => [p.slice(top.length + 1), b]).filter(([p]) => !JUNK(p));
  return { files: new Map(entries), top: strip ? top : null };
}

export function parseKathara(input: Record<string, Uint8Array>, options: KatharaOptions = {}): KatharaImport {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const { files, top } = labFolder(input);
  const text = (path: string): string | null => {
    let t: string | null;
    try {
      t = utf8.decode(files.get(path)!);
    } catch {
      t = null;
    }
    if (t === null || t.includes("\0")) {
      warnings.push(`${path} is not a text file (UTF-8) and was not imported: umlab keeps text files only`);
      return null;
    }
    // As Kathará does to every file it copies into a device: no BOM, no Windows line ends.
    return textLines(t).join("\n");
  };
  const fail = (message: string): never => {
    throw new LabDefinitionError([{ path: [], file: "lab.conf", message }]);
  };
  if (!files.has("lab.conf")) fail("not found: a Kathará lab has its lab.conf at the top of its folder");
  const confText = text("lab.conf") ?? fail("lab.conf is not a text file");
  if (!confText.trim()) fail("lab.conf is empty");
  const conf = parseLabConf(confText, problems);
  for (const { text: line, at } of conf.ignored) warnings.push(`${line} (${at.file}:${at.line}) is not supported and was ignored`);
  const devices = conf.devices;
  if (!problems.length && !devices.size) fail("lab.conf names no device (a line such as pc1[0]=A makes one)");

  // Where each part of the lab came from, to report resolveLab's problems at their file and line.
  const where = new Map<string, { file: string; line?: number }>();
  const names = new Names();
  const nodeNames = new Map([...devices.keys()].map((k) => [k, names.take(k, "n", "device")]));
  const members = new Map<string, number>();
  for (const d of devices.values()) for (const i of d.ifaces.values()) members.set(i.domain, (members.get(i.domain) ?? 0) + 1);
  const domainNames = new Map<string, string | null>();
  const switchOf = (domain: string) => {
    if (!domainNames.has(domain))
      domainNames.set(domain, domain.startsWith(UNPLUGGED_DOMAIN_PREFIX) && members.get(domain) === 1 ? null : names.take(domain, "cd", "collision domain"));
    return domainNames.get(domain)!;
  };

  const nodes: Record<string, RawNode> = {};
  const settings = new Map<string, DeviceSettings>();
  const switches: Record<string, Record<string, never>> = {};
  for (const d of devices.values()) {
    const n = nodeNames.get(d.name)!;
    where.set(formatPath(["nodes", n]), d.at);
    const s = deviceSettings(d, problems, warnings, options.images);
    settings.set(d.name, s);
    const node: RawNode = { role: s.role, image: s.image };
    node.mem = `${s.memoryMiB ?? DEFAULT_DEVICE_MIB}M`;
    const eth = interfaces(d, switchOf, problems, warnings);
    eth.forEach((sw, i) => {
      if (sw) switches[sw] = {};
      const at = d.ifaces.get(i);
      if (at) where.set(formatPath(["nodes", n, "eth", i]), at);
    });
    if (eth.length) node.eth = eth;
    nodes[n] = node;
  }
  const bridged = [...devices.keys()].flatMap((k): BridgedDevice[] => {
    const [n, { bridged: option, before }] = [nodeNames.get(k)!, settings.get(k)!];
    return option ? [{ device: k, node: nodes[n], option, before, at: (i) => where.set(formatPath(["nodes", n, "eth", i]), option) }] : [];
  });
  const gateway = bridgeDevices(bridged, (base) => names.free(base), problems, warnings);
  if (gateway) {
    switches[gateway.switch] = {};
    where.set(formatPath(["gateways", gateway.name]), bridged[0].option);
  }

  let sharedStartup = "";
  const sharedFiles: Record<string, string> = {};
  const own = new Map<string, { startup: string; files: Record<string, string> }>([...devices.keys()].map((k) => [k, { startup: "", files: {} }]));
  const orphans = new Map<string, string[]>();
  const orphan = (name: string, what: string) => orphans.set(name, [...(orphans.get(name) ?? []), what]);
  const others: string[] = [];
  for (const path of [...files.keys()].sort()) {
    if (path === "lab.conf" || path === "lab.dep" || path === UMLAB_CHECKS_FILE || CHECKER_FILES.includes(path)) continue;
    const slash = path.indexOf("/");
    const dir = path.slice(0, slash);
    const rest = path.slice(slash + 1);
    const script = /^(.+)\.(startup|shutdown)$/.exec(path);
    if (slash >= 0) {
      if (dir === "shared") {
        const t = text(path);
        if (t !== null) sharedFiles[`${SHARED_MOUNT}${rest}`] = t;
      } else if (own.has(dir)) {
        const t = text(path);
        if (t !== null) {
          own.get(dir)!.files[`/${rest}`] = t;
          where.set(formatPath(["nodes", nodeNames.get(dir)!, "files", `/${rest}`]), { file: path });
        }
      } else if (dir === "_test") {
        if (!warnings.includes(TEST_DATA)) warnings.push(TEST_DATA);
      } else if (!orphans.get(dir)?.includes(`${dir}/`)) orphan(dir, `${dir}/`);
    } else if (script?.[2] === "shutdown") warnings.push(`${path} was ignored: umlab runs no script when a node stops`);
    else if (script && script[1] === "shared") sharedStartup = text(path) ?? "";
    else if (script && own.has(script[1])) {
      own.get(script[1])!.startup = text(path) ?? "";
      where.set(formatPath(["nodes", nodeNames.get(script[1])!, "startup"]), { file: path });
    } else if (script) orphan(script[1], path);
    else if (path === "lab.ext") warnings.push("lab.ext (collision domains reaching the host's network) is not supported and was ignored");
    else others.push(path);
  }
  for (const [name, what] of orphans)
    warnings.push(`${what.join(" and ")} ${what.length > 1 ? "were" : "was"} not imported: lab.conf has no device ${name} (Kathará starts only the devices lab.conf names)`);
  if (others.length) warnings.push(`not part of a Kathará lab, and not imported: ${others.join(", ")}`);

  for (const [k, { startup, files: overlay }] of own) {
    const node = nodes[nodeNames.get(k)!];
    const script = startupScript(settings.get(k)!, startup);
    if (script) node.startup = script;
    if (Object.keys(overlay).length) node.files = overlay;
  }

  if (files.has("lab.dep")) {
    const depText = text("lab.dep");
    for (const [k, rule] of parseLabDep(depText ?? "", problems)) {
      const at = `${rule.file}:${rule.line}`;
      if (!devices.has(k)) {
        warnings.push(`${at}: lab.conf has no device ${k}: its rule was ignored`);
        continue;
      }
      const unknown = rule.deps.filter((d) => !devices.has(d));
      if (unknown.length) warnings.push(`${at}: lab.conf has no device ${unknown.join(", ")}: ${k} does not wait for ${unknown.length > 1 ? "them" : "it"}`);
      const n = nodeNames.get(k)!;
      const after = rule.deps.filter((d) => devices.has(d)).map((d) => nodeNames.get(d)!);
      if (after.length) nodes[n].after = after;
      where.set(formatPath(["nodes", n, "after"]), rule);
    }
  }

  if (names.renamed.length) warnings.push(`renamed to fit umlab's names (lower-case letters, digits and "-", starting with a letter): ${names.renamed.join(", ")}`);
  const name = labName(options, top, conf.meta.get("LAB_NAME")?.value, problems);
  const meta = (key: string) => conf.meta.get(key)?.value ?? "";
  const credits = [meta("LAB_VERSION") && `version ${meta("LAB_VERSION")}`, meta("LAB_AUTHOR") && `by ${meta("LAB_AUTHOR")}`, meta("LAB_EMAIL"), meta("LAB_WEB")].filter(Boolean);
  const description = [meta("LAB_DESCRIPTION"), credits.length ? `(${credits.join(", ")})` : ""].filter(Boolean).join(" ");

  const raw: RawLab = { name: name ?? "unnamed" };
  if (description) raw.description = description;
  if (sharedStartup || Object.keys(sharedFiles).length) {
    raw.shared = {};
    if (sharedStartup) raw.shared.startup = sharedStartup;
    if (Object.keys(sharedFiles).length) raw.shared.files = sharedFiles;
  }
  raw.nodes = nodes;
  raw.switches = switches;
  if (gateway) raw.gateways = { [gateway.name]: { switch: gateway.switch } };
  // A grading file beside lab.conf (kathara-lab-checker's, or umlab's own): the lab's checks.
  const checks = folderChecks((p) => files.has(p), text, (device) => nodeNames.get(device) ?? null, warnings);
  if (checks?.length) {
    raw.checks = checks;
    where.set("checks", { file: files.has(UMLAB_CHECKS_FILE) ? UMLAB_CHECKS_FILE : CHECKER_FILES.find((f) => files.has(f))! });
  }
  if (!problems.length) {
    try {
      resolveLab(raw);
    } catch (e) {
      if (!(e instanceof LabDefinitionError)) throw e;
      problems.push(...e.problems.map((p) => ({ ...p, ...located(where, p.path) })));
    }
  }
  if (problems.length) throw new LabDefinitionError(problems.sort((a, b) => (a.file ?? "").localeCompare(b.file ?? "") || (a.line ?? 0) - (b.line ?? 0)));
  return { raw, warnings };
}

/** The device's own startup, between what its options run before (env, sysctl) and after (exec). */
function startupScript(s: DeviceSettings, own: string): string {
  if (!s.before.length && !s.after.length) return own;
  return `${[...s.before, ...(own ? [own.replace(/\n$/, "")] : []), ...s.after].join("\n")}\n`;
}

/** ethN by interface number; a gap (which Kathará refuses) is left unplugged, with a warning. */
function interfaces(d: Device, switchOf: (domain: string) => string | null, problems: Problem[], warnings: string[]): (string | null)[] {
  const numbers = [...d.ifaces.keys()].sort((a, b) => a - b);
  const last = numbers[numbers.length - 1] ?? -1;
  if (last >= MAX_INTERFACES) {
    const at = d.ifaces.get(last)!;
    problems.push({ path: [], file: at.file, line: at.line, message: `${d.name}[${last}]: a node has at most ${MAX_INTERFACES} interfaces (0 to ${MAX_INTERFACES - 1})` });
    return [];
  }
  const eth: (string | null)[] = [];
  const missing: number[] = [];
  for (let i = 0; i <= last; i++) {
    const iface = d.ifaces.get(i);
    if (!iface) missing.push(i);
    else if (iface.extra) warnings.push(`${d.name}[${i}]=${iface.domain}/${iface.extra} (${iface.file}:${iface.line}): what follows "/" (a MAC address) is not kept: eth${i} gets an address of its own`);
    eth.push(iface ? switchOf(iface.domain) : null);
  }
  if (missing.length)
    warnings.push(`${d.name} has no ${missing.map((i) => `${d.name}[${i}]`).join(", ")} in lab.conf (Kathará refuses such gaps): ${missing.map((i) => `eth${i}`).join(", ")} left unplugged`);
  return eth;
}

function labName(options: KatharaOptions, top: string | null, labConfName: string | undefined, problems: Problem[]): string | null {
  if (options.name !== undefined) {
    const p = nameProblem(options.name);
    if (p) problems.push({ path: ["name"], message: `the lab's name: ${p}` });
    return p ? null : options.name;
  }
  for (const hint of [options.nameHint, top, labConfName]) {
    const name = hint ? suggestLabName(hint) : null;
    if (name) return name;
  }
  problems.push({ path: ["name"], message: "the lab needs a name: give it one" });
  return null;
}

/** The file and line of the deepest part of a model path that came from one. */
function located(where: Map<string, { file: string; line?: number }>, path: FieldPath): { file: string; line?: number } {
  for (let n = path.length; n > 0; n--) {
    const at = where.get(formatPath(path.slice(0, n)));
    if (at) return { file: at.file, line: at.line };
  }
  return { file: "lab.conf" };
}
