import { pcapngHeader, pcapngPacket } from "@/server/engine/capture/pcapng";

/**
 * Frames for tests and the bench: Ethernet + IPv4 + ICMP echo between two
 * addresses, with correct checksums, and a pcapng of them as the engine
 * writes it.
 */
const sum = (b: Buffer, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i += 2) s += b.readUInt16BE(i);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
};

export function echoFrame(request: boolean, seq: number, a = [10, 0, 0, 1], b = [10, 0, 0, 2]): Buffer {
  const [src, dst] = request ? [a, b] : [b, a];
  const ip = Buffer.alloc(20 + 8 + 56);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = 64;
  ip[9] = 1;
  Buffer.from(src).copy(ip, 12);
  Buffer.from(dst).copy(ip, 16);
  ip.writeUInt16BE(sum(ip, 0, 20), 10);
  ip[20] = request ? 8 : 0;
  ip.writeUInt16BE(0x1234, 24);
  ip.writeUInt16BE(seq & 0xffff, 26);
  ip.writeUInt16BE(sum(ip, 20, ip.length), 22);
  const macs = request ? [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
  return Buffer.concat([Buffer.from([...macs, 8, 0]), ip]);
}

/** A pcapng of `frames`, the first at `startUsec`, one every `stepUsec`. */
export function pcapngOf(frames: Buffer[], startUsec = 1_800_000_000_000_000, stepUsec = 1000): Buffer {
  return Buffer.concat([pcapngHeader("sw1", "switch sw1"), ...frames.map((f, i) => pcapngPacket(f, startUsec + i * stepUsec))]);
}
