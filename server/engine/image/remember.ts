import { statSync } from "node:fs";

const memo = new Map<string, { stamp: string; value: unknown }>();

/**
 * `compute()`, remembered under `key` while none of `files` changed (path,
 * mtime, size). Every node start asks for its image, whose name is a hash of
 * megabytes of inputs: a thousand node starts must not read and hash them a
 * thousand times.
 */
export function remember<T>(key: string, files: string[], compute: () => T): T {
  const stamp = files.map((f) => {
    const s = statSync(f);
    return `${f}:${s.mtimeMs}:${s.size}`;
  }).join("|");
  const hit = memo.get(key);
  if (hit?.stamp === stamp) return hit.value as T;
  const value = compute();
  memo.set(key, { stamp, value });
  return value;
}
