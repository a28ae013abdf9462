/**
 * A light parse of a frame for the live packet list: source, destination,
 * protocol and a line of info, from the Ethernet, ARP, IPv4/IPv6, ICMP, TCP
 * and UDP headers alone. Wireshark's own dissectors (in the browser) decode
 * the packet someone opens; this only has to be fast and never throw: a
 * frame cut short or lying about its lengths is "malformed", with what was
 * read up to there.
 */
export interface FrameSummary {
  src: string;
  dst: string;
  protocol: string;
  length: number;
  info: string;
  malformed: boolean;
}

// Built by concatenation from a table: a watched flood makes thousands of rows a second, and spreading each
// address into an array to join it was most of what a row cost. Callers check the frame holds the bytes.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const mac = (b: Buffer, at: number) => `${HEX[b[at]]}:${HEX[b[at + 1]]}:${HEX[b[at + 2]]}:${HEX[b[at + 3]]}:${HEX[b[at + 4]]}:${HEX[b[at + 5]]}`;
const ipv4 = (b: Buffer, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
function ipv6(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(at + 2 * i).toString(16));
  // The longest run of zero groups as "::".
  const text = groups.join(":");
  const runs = text.match(/(^|:)0(:0)+(:|$)/g);
  if (!runs) return text;
  const longest = runs.reduce((a, r) => (r.length > a.length ? r : a));
  return text.replace(longest, "::");
}

const ICMP_TYPES: Record<number, string> = { 0: "Echo (ping) reply", 3: "Destination unreachable", 5: "Redirect", 8: "Echo (ping) request", 11: "Time-to-live exceeded" };
const ICMP6_TYPES: Record<number, string> = { 128: "Echo (ping) request", 129: "Echo (ping) reply", 133: "Router Solicitation", 134: "Router Advertisement", 135: "Neighbor Solicitation", 136: "Neighbor Advertisement" };
const IP_PROTOCOLS: Record<number, string> = { 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 58: "ICMPv6", 89: "OSPF", 112: "VRRP" };

export function summarize(frame: Buffer): FrameSummary {
  const out: FrameSummary = { src: "", dst: "", protocol: "Ethernet", length: frame.length, info: "", malformed: false };
  const bad = (info: string) => ({ ...out, info: info || out.info, malformed: true });
  if (frame.length < 14) return bad("a frame shorter than an Ethernet header");
  out.dst = mac(frame, 0);
  out.src = mac(frame, 6);
  let type = frame.readUInt16BE(12);
  let at = 14;
  if (type === 0x8100) {
    if (frame.length < 18) return bad("a VLAN tag cut short");
    type = frame.readUInt16BE(16);
    at = 18;
  }
  if (type === 0x0806) {
    out.protocol = "ARP";
    if (frame.length < at + 28) return bad("an ARP packet cut short");
    const op = frame.readUInt16BE(at + 6);
    const spa = ipv4(frame, at + 14);
    const tpa = ipv4(frame, at + 24);
    out.info = op === 1 ? `Who has ${tpa}? Tell ${spa}` : op === 2 ? `${spa} is at ${mac(frame, at + 8)}` : `ARP operation ${op}`;
    return out;
  }
  if (type === 0x0800) {
    out.protocol = "IPv4";
    if (frame.length < at + 20) return bad("an IPv4 header cut short");
    const ihl = (frame[at] & 0x0f) * 4;
    const total = frame.readUInt16BE(at + 2);
    if ((frame[at] >> 4) !== 4 || ihl < 20 || frame.length < at + ihl || total < ihl || frame.length < at + total) return bad("an IPv4 header whose lengths do not fit the frame");
    out.src = ipv4(frame, at + 12);
    out.dst = ipv4(frame, at + 16);
    const proto = frame[at + 9];
    out.protocol = IP_PROTOCOLS[proto] ?? `IP proto ${proto}`;
    const options = ihl > 20 ? " (with options)" : "";
    return transport(out, frame.subarray(at + ihl, at + total), proto, options);
  }
  if (type === 0x86dd) {
    out.protocol = "IPv6";
    if (frame.length < at + 40) return bad("an IPv6 header cut short");
    const payload = frame.readUInt16BE(at + 4);
    if (frame.length < at + 40 + payload) return bad("an IPv6 payload longer than the frame");
    out.src = ipv6(frame, at + 8);
    out.dst = ipv6(frame, at + 24);
    const next = frame[at + 6];
    out.protocol = IP_PROTOCOLS[next] ?? `IPv6 next header ${next}`;
    return transport(out, frame.subarray(at + 40, at + 40 + payload), next, "");
  }
  out.protocol = `0x${type.toString(16).padStart(4, "0")}`;
  return out;
}

function transport(out: FrameSummary, p: Buffer, proto: number, note: string): FrameSummary {
  const bad = (info: string) => ({ ...out, info, malformed: true });
  if (proto === 1 || proto === 58) {
    if (p.length < 8) return bad(`an ${out.protocol} message cut short`);
    const kind = (proto === 1 ? ICMP_TYPES : ICMP6_TYPES)[p[0]] ?? `type ${p[0]} code ${p[1]}`;
    out.info = p[0] === 0 || p[0] === 8 || p[0] === 128 || p[0] === 129 ? `${kind} id=0x${p.readUInt16BE(4).toString(16).padStart(4, "0")}, seq=${p.readUInt16BE(6)}${note}` : `${kind}${note}`;
    return out;
  }
  if (proto === 6) {
    if (p.length < 20) return bad("a TCP header cut short");
    const flags = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"].filter((_, i) => p[13] & (1 << i));
    out.info = `${p.readUInt16BE(0)} → ${p.readUInt16BE(2)} [${flags.join(", ")}] Seq=${p.readUInt32BE(4)}${note}`;
    return out;
  }
  if (proto === 17) {
    if (p.length < 8) return bad("a UDP header cut short");
    out.info = `${p.readUInt16BE(0)} → ${p.readUInt16BE(2)} Len=${Math.max(0, p.readUInt16BE(4) - 8)}${note}`;
    return out;
  }
  out.info = `${out.protocol}${note}`;
  return out;
}
