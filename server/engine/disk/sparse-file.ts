import type { Hash } from "node:crypto";
import { closeSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";

/**
 * Sparse files as written ranges: the 64 KiB blocks of a COW or an image
 * that are not all zero, and the bytes of those alone. What is not in a
 * range is a hole, and reads as zeros.
 */

export const SPARSE_BLOCK = 64 * 1024;
const ZERO = Buffer.alloc(16 * SPARSE_BLOCK);

/** The written 64 KiB blocks of a file, merged into [offset, length] ranges. */
export function writtenRanges(file: string): [number, number][] {
  const fd = openSync(file, "r");
  const size = statSync(file).size;
  const buf = Buffer.alloc(16 * SPARSE_BLOCK);
  const ranges: [number, number][] = [];
  try {
    for (let at = 0; at < size; at += buf.length) {
      const n = readSync(fd, buf, 0, buf.length, at);
      for (let b = 0; b < n; b += SPARSE_BLOCK) {
        const end = Math.min(b + SPARSE_BLOCK, n);
        // A native compare (memcmp): a 1 GiB COW is mostly holes, read as zeros.
        if (buf.compare(ZERO, 0, end - b, b, end) === 0) continue;
        const last = ranges[ranges.length - 1];
        if (last && last[0] + last[1] === at + b) last[1] += end - b;
        else ranges.push([at + b, end - b]);
      }
    }
  } finally {
    closeSync(fd);
  }
  return ranges;
}

/**
 * Writes the data stream's bytes at the map's offsets into a new file of
 * `size` bytes; the holes between stay holes. With `hash`, the whole file
 * as it reads (holes as zeros) goes through it, in order.
 */
export async function writeSparse(data: AsyncIterable<Buffer>, file: string, map: [number, number][], size: number, hash?: Hash): Promise<void> {
  const fd = openSync(file, "wx", 0o600);
  const zeros = (n: number) => {
    for (; n > 0; n -= ZERO.length) hash?.update(ZERO.subarray(0, Math.min(n, ZERO.length)));
  };
  try {
    let range = 0;
    let into = 0;
    let hashed = 0;
    for await (let chunk of data) {
      while (chunk.length && range < map.length) {
        const [offset, length] = map[range];
        const n = Math.min(length - into, chunk.length);
        if (hash) {
          zeros(offset + into - hashed);
          hash.update(chunk.subarray(0, n));
          hashed = offset + into + n;
        }
        writeSync(fd, chunk, 0, n, offset + into);
        chunk = chunk.subarray(n);
        into += n;
        if (into === length) {
          range++;
          into = 0;
        }
      }
    }
    zeros(size - hashed);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}
