import { open } from "node:fs/promises";
import type { CapturedFrame } from "./ring";
/**
 * pcapng (the format Wireshark and tshark read by default): a section
 * header, one interface (Ethernet, microsecond timestamps), and each frame
 * as an enhanced packet block. Little-endian throughout; blocks padded to 4
 * bytes. https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html
 */
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length + pad4(body.length);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

/** An option (code, value) and the end of options. */
function options(opts: [number, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of opts) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, value, Buffer.alloc(pad4(value.length)));
  }
  if (parts.length) parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** The section header and the one interface, named (e.g. "sw1" or "pc1.eth0") and described. */
export function pcapngHeader(name: string, description: string): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0); // byte-order magic
  shb.writeUInt16LE(1, 4); // major
  shb.writeUInt16LE(0, 6); // minor
  shb.writeBigInt64LE(-1n, 8); // section length: not given
  const shbOpts = options([[4, Buffer.from("umlab")]]); // shb_userappl
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  idb.writeUInt32LE(SNAPLEN, 4);
  // if_name, if_description; if_tsresol defaults to microseconds.
  const idbOpts = options([
    [2, Buffer.from(name.slice(0, 64))],
    [3, Buffer.from(description.slice(0, 200))],
  ]);
  return Buffer.concat([block(0x0a0d0d0a, Buffer.concat([shb, shbOpts])), block(0x00000001, Buffer.concat([idb, idbOpts]))]);
}

/** One frame at `usec` microseconds since the epoch; `inbound`: toward the node (an epb_flags direction), when known. */
export function pcapngPacket(frame: Buffer, usec: number, inbound?: boolean): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(0, 0); // interface 0
  const high = Math.floor(usec / 2 ** 32);
  head.writeUInt32LE(high, 4);
  head.writeUInt32LE(usec - high * 2 ** 32, 8);
  head.writeUInt32LE(frame.length, 12); // captured
  head.writeUInt32LE(frame.length, 16); // on the wire
  const data = Buffer.concat([frame, Buffer.alloc(pad4(frame.length))]);
  const flags = Buffer.alloc(4);
  if (inbound !== undefined) flags.writeUInt32LE(inbound ? 1 : 2, 0);
  return block(0x00000006, Buffer.concat([head, data, inbound === undefined ? Buffer.alloc(0) : options([[2, flags]])]));
}

/** Reads back what pcapngHeader and pcapngPacket write (tests, and a check of a download): each packet's frame and time. */
export function readPcapng(file: Buffer): { frames: { usec: number; frame: Buffer }[] } {
  const frames: { usec: number; frame: Buffer }[] = [];
  let at = 0;
  while (at + 12 <= file.length) {
    const type = file.readUInt32LE(at);
    const total = file.readUInt32LE(at + 4);
    if (total < 12 || total % 4 !== 0 || at + total > file.length || file.readUInt32LE(at + total - 4) !== total) throw new Error(`a damaged block at byte ${at}`);
    if (type === 6) {
      const usec = file.readUInt32LE(at + 12) * 2 ** 32 + file.readUInt32LE(at + 16);
      const len = file.readUInt32LE(at + 20);
      if (28 + len > total) throw new Error(`a packet longer than its block at byte ${at}`);
      frames.push({ usec, frame: Buffer.from(file.subarray(at + 28, at + 28 + len)) });
    }
    at += total;
  }
  if (at !== file.length) throw new Error(`${file.length - at} bytes after the last block`);
  return { frames };
}

/** Writes `frames` as a pcapng to a new `file` (0600), in slices: a ring of a few hundred MiB is never copied whole. Answers its size. */
export async function writePcapng(file: string, name: string, description: string, frames: Iterable<CapturedFrame>): Promise<number> {
  const fh = await open(file, "wx", 0o600);
  let bytes = 0;
  try {
    const put = async (b: Buffer) => {
      await fh.write(b);
      bytes += b.length;
    };
    await put(pcapngHeader(name, description));
    let chunk: Buffer[] = [];
    for (const f of frames) {
      chunk.push(pcapngPacket(f.frame, f.usec, f.inbound));
      if (chunk.length >= 1024) {
        await put(Buffer.concat(chunk));
        chunk = [];
      }
    }
    if (chunk.length) await put(Buffer.concat(chunk));
  } finally {
    await fh.close();
  }
  return bytes;
}
