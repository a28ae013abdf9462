import type { Problem } from "../../model/errors";

/**
 * lab.conf and lab.dep as Kathará reads them (src/Kathara/parser/netkit/
 * LabParser.py, DepParser.py): `device[N]=domain` plugs ethN into a collision
 * domain, `device[option]=value` sets an option, `LAB_*=value` describes the
 * lab, `#` starts a comment. Values may be quoted ("..." or '...') and may not
 * contain quotes; a comment may follow a value after white space. Only the
 * syntax is checked here; what the lines mean is kathara.ts's.
 */

export interface At {
  file: string;
  line: number;
}

export interface DeviceIface extends At {
  domain: string;
  /** What followed the domain after a "/" (a MAC address, VLANs in newer Kathará). */
  extra: string | null;
}

export interface DeviceOption extends At {
  key: string;
  value: string;
}

export interface Device {
  name: string;
  /** The first line that names the device. */
  at: At;
  ifaces: Map<number, DeviceIface>;
  options: DeviceOption[];
}

export interface LabConf {
  meta: Map<string, { value: string } & At>;
  /** In the order lab.conf first names them. */
  devices: Map<string, Device>;
  /** Lines Kathará accepts that umlab does not use (CD_MODE[...]). */
  ignored: { text: string; at: At }[];
}

export const LAB_META = ["LAB_NAME", "LAB_DESCRIPTION", "LAB_VERSION", "LAB_AUTHOR", "LAB_EMAIL", "LAB_WEB"];
/** Kathará's RESERVED_MACHINE_NAMES: folders of the lab that are not devices. */
export const RESERVED_DEVICE_NAMES = ["shared", "_test"];
const WORD = /^\w+$/;

/** Splits text into lines as Kathará does, after removing a UTF-8 BOM and Windows line ends. */
export function textLines(text: string): string[] {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
}

/** A value without its quotes or trailing comment; null when it is malformed. */
function unquote(raw: string): string | null {
  const v = raw.trim();
  const q = v[0];
  if (q === '"' || q === "'") {
    const end = v.indexOf(q, 1);
    if (end < 0) return null;
    const rest = v.slice(end + 1).trim();
    if (rest && !rest.startsWith("#")) return null;
    return v.slice(1, end);
  }
  const value = v.slice(0, commentStart(v)).trimEnd();
  return /["']/.test(value) ? null : value;
}

/**
 * Where a trailing comment (white space, then "#") begins, or the length.
 * A loop, not a regex: the lazy /^(.*?)(?:\s+#.*)?$/ it replaces took time
 * quadratic in a line's length (a 120 KB value held the server for 12 s).
 */
export function commentStart(v: string): number {
  for (let i = v.indexOf("#", 1); i > 0; i = v.indexOf("#", i + 1)) if (/\s/.test(v[i - 1])) return i;
  return v.length;
}

/** A line as a message shows it: a long one cut, so a problem list stays readable whatever the file holds. */
export function shownLine(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}… (${s.length} characters)` : s;
}

export function parseLabConf(text: string, problems: Problem[], file = "lab.conf"): LabConf {
  const conf: LabConf = { meta: new Map(), devices: new Map(), ignored: [] };
  const bad = (line: number, message: string) => problems.push({ path: [], file, line, message });
  textLines(text).forEach((rawLine, i) => {
    const line = i + 1;
    const s = rawLine.trim();
    if (!s || s.startsWith("#")) return;
    const meta = /^([A-Z][A-Z_]*)\s*=(.*)$/.exec(s);
    if (meta) {
      const value = unquote(meta[2]);
      if (!LAB_META.includes(meta[1])) bad(line, `"${shownLine(meta[1])}" is not one of ${LAB_META.join(", ")}`);
      else if (value === null) bad(line, `malformed value: ${shownLine(s)}`);
      else conf.meta.set(meta[1], { value: value.trim(), file, line });
      return;
    }
    const m = /^([^\s[\]=#]+)\[([^\]]*)\]\s*=(.*)$/.exec(s);
    if (!m) return bad(line, `malformed line (expected device[N]=domain, device[option]=value or LAB_...=value): ${shownLine(s)}`);
    const [, key, arg, rawValue] = m;
    const value = unquote(rawValue);
    if (value === null || value.trim() === "") return bad(line, `malformed value: ${shownLine(s)}`);
    if (key === "CD_MODE") {
      conf.ignored.push({ text: s, at: { file, line } });
      return;
    }
    if (!WORD.test(key)) return bad(line, `"${shownLine(key)}" is not a device name: Kathará device names are letters, digits and "_"`);
    if (RESERVED_DEVICE_NAMES.includes(key)) return bad(line, `"${key}" is a reserved name: it cannot be a device`);
    let device = conf.devices.get(key);
    if (!device) conf.devices.set(key, (device = { name: key, at: { file, line }, ifaces: new Map(), options: [] }));
    if (/^\d+$/.test(arg)) {
      const n = Number(arg);
      const slash = value.indexOf("/");
      const domain = (slash < 0 ? value : value.slice(0, slash)).trim();
      if (!WORD.test(domain)) return bad(line, `collision domain "${shownLine(domain)}" of ${key}[${arg}]: Kathará domain names are letters, digits and "_"`);
      const before = device.ifaces.get(n);
      if (before) return bad(line, `${key}[${n}] is already plugged into ${before.domain} (${before.file}:${before.line})`);
      device.ifaces.set(n, { domain, extra: slash < 0 ? null : value.slice(slash + 1).trim(), file, line });
    } else if (WORD.test(arg)) {
      device.options.push({ key: arg, value: value.trim(), file, line });
    } else bad(line, `"${shownLine(arg)}" is neither an interface number nor an option name`);
  });
  return conf;
}

export interface DepRule extends At {
  deps: string[];
}

/** lab.dep: `device: dep1 dep2` (device starts after dep1 and dep2); rules for one device add up. */
export function parseLabDep(text: string, problems: Problem[], file = "lab.dep"): Map<string, DepRule> {
  const rules = new Map<string, DepRule>();
  textLines(text).forEach((rawLine, i) => {
    const line = i + 1;
    const s = rawLine.trim();
    if (!s || s.startsWith("#")) return;
    const m = /^(\w+)\s*:\s*(.*)$/.exec(s);
    const deps = m ? m[2].split(/\s+/).filter(Boolean) : [];
    if (!m || !deps.length || !deps.every((d) => WORD.test(d))) {
      problems.push({ path: [], file, line, message: `malformed rule (expected device: device1 device2 ...): ${shownLine(s)}` });
      return;
    }
    const rule = rules.get(m[1]);
    if (rule) rule.deps.push(...deps.filter((d) => !rule.deps.includes(d)));
    else rules.set(m[1], { deps: [...new Set(deps)], file, line });
  });
  return rules;
}
