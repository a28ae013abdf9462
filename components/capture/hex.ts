/** One line of a hex dump: its offset, 16 bytes (or fewer on the last line), and which of them are highlighted. */
export interface HexLine {
  offset: string;
  bytes: { hex: string; ascii: string; on: boolean }[];
}

/** A hex dump of `bytes`, 16 a line, with [start, start+length) marked (the field selected in the tree). */
export function hexLines(bytes: Uint8Array, start = 0, length = 0, maxBytes = 65536): HexLine[] {
  const lines: HexLine[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let at = 0; at < n; at += 16) {
    const line: HexLine = { offset: at.toString(16).padStart(4, "0"), bytes: [] };
    for (let i = at; i < Math.min(at + 16, n); i++) {
      const b = bytes[i];
      line.bytes.push({ hex: b.toString(16).padStart(2, "0"), ascii: b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".", on: length > 0 && i >= start && i < start + length });
    }
    lines.push(line);
  }
  return lines;
}

/** Bytes from base64 (wiregasm gives a frame's data sources so); bad input gives what decoded, or nothing. */
export function fromBase64(text: string): Uint8Array {
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}
