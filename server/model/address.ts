/**
 * IP addresses and prefixes as lab files write them, checked and put in one
 * form so that what a guest prints compares with what a file asks for
 * ("10.0.3.0/24", "2001:db8::/64", "default"). Pure: the canvas runs it too.
 */

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const isIPv4 = (s: string) => V4.test(s);

export function isIPv6(s: string): boolean {
  return parseIPv6(s) !== null;
}

export const isIP = (s: string) => isIPv4(s) || isIPv6(s);

/** The eight 16-bit groups of an IPv6 address (an IPv4 tail allowed), or null. */
function parseIPv6(s: string): number[] | null {
  if (s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    const v4 = text.slice(lastColon + 1);
    if (!isIPv4(v4)) return null;
    const b = v4.split(".").map(Number);
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    text = text.slice(0, lastColon + 1) + (text[lastColon - 1] === ":" ? "" : "0");
    if (text.endsWith(":0")) text = text.slice(0, -2);
    else if (!text.endsWith("::")) return null;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = new Array(8 - known).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...zeros, ...rest.map((g) => parseInt(g, 16)), ...tail];
}

/** An IPv6 address in its short form (RFC 5952: lower case, longest zero run as ::). */
function formatIPv6(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** An address in one form (IPv6 shortened, lower case), or null when it is none. */
export function normalizeIP(s: string): string | null {
  if (isIPv4(s)) return s;
  const g = parseIPv6(s);
  return g ? formatIPv6(g) : null;
}

export interface Prefix {
  family: 4 | 6;
  /** The network address, in normal form. */
  network: string;
  length: number;
}

/** Bits of an address, most significant first. */
function bits(address: string): { family: 4 | 6; bits: number[] } | null {
  if (isIPv4(address)) return { family: 4, bits: address.split(".").flatMap((o) => byteBits(Number(o), 8)) };
  const g = parseIPv6(address);
  return g ? { family: 6, bits: g.flatMap((x) => byteBits(x, 16)) } : null;
}
const byteBits = (n: number, width: number) => Array.from({ length: width }, (_, i) => (n >> (width - 1 - i)) & 1);

function fromBits(family: 4 | 6, b: number[]): string {
  const width = family === 4 ? 8 : 16;
  const parts = Array.from({ length: b.length / width }, (_, i) => b.slice(i * width, (i + 1) * width).reduce((a, x) => a * 2 + x, 0));
  return family === 4 ? parts.join(".") : formatIPv6(parts);
}

/**
 * A prefix as `ip route` names it: "default" (0.0.0.0/0, or ::/0 with
 * family 6), ADDRESS/LEN or a bare ADDRESS (a host route), its host bits
 * cleared. Null when it is none of those.
 */
export function parsePrefix(text: string, family: 4 | 6 = 4): Prefix | null {
  if (text === "default") return { family, network: family === 4 ? "0.0.0.0" : "::", length: 0 };
  const [addr, len, extra] = text.split("/");
  if (extra !== undefined) return null;
  const b = bits(addr);
  if (!b) return null;
  const max = b.family === 4 ? 32 : 128;
  const length = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(length >= 0 && length <= max)) return null;
  return { family: b.family, network: fromBits(b.family, b.bits.map((x, i) => (i < length ? x : 0))), length };
}

/** A prefix as one string: "10.0.3.0/24", "0.0.0.0/0", "2001:db8::/64". */
export const prefixText = (p: Prefix) => `${p.network}/${p.length}`;

/** An address with its prefix length ("10.0.0.1/24"), in normal form, or null. */
export function parseInterfaceAddress(text: string): { address: string; length: number; family: 4 | 6 } | null {
  const [addr, len, extra] = text.split("/");
  const address = normalizeIP(addr);
  if (!address || extra !== undefined || len === undefined || !/^\d{1,3}$/.test(len)) return null;
  const family = isIPv4(address) ? 4 : 6;
  const length = Number(len);
  return length <= (family === 4 ? 32 : 128) ? { address, length, family } : null;
}
