import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** A secret kept in a file readable by this user only: read, or made (`bytes` random bytes) the first time. */
export function secretFile(path: string, bytes: number): string {
  if (existsSync(path)) {
    const v = readFileSync(path, "utf8").trim();
    if (v) return v;
  }
  const v = randomBytes(bytes).toString("base64url");
  writeFileSync(path, `${v}\n`, { mode: 0o600 });
  return v;
}

/** Compares secrets in a time that tells nothing of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
