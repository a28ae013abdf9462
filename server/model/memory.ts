/** Parses a memory size as written in a lab file ("48M", "1G", 64) into MiB. */
export function parseMemory(value: string | number): number | string {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value <= 0) return `memory must be a positive number of MiB, not ${value}`;
    return value;
  }
  const m = /^\s*(-?\d+)\s*([MmGg])(?:i?[Bb])?\s*$/.exec(value);
  if (!m) return `"${value}" is not a memory size: write it as 48M or 1G`;
  const n = Number(m[1]) * (m[2].toUpperCase() === "G" ? 1024 : 1);
  if (n <= 0) return `memory must be positive, not ${value}`;
  return n;
}

export function formatMemory(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

/** UML needs some memory for its own kernel; below this a guest does not boot. */
export const MIN_MEMORY_MIB = 16;
export const MAX_MEMORY_MIB = 16 * 1024;
