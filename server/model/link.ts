/**
 * What may be done to the frames on a link (a node interface and its switch
 * port), the same in each direction, as on a long or poor cable: a 50 ms
 * delay adds 100 ms to a round trip, 10 % loss loses about 19 % of pings.
 */
export interface Impairment {
  lossPct: number;
  delayMs: number;
  /** null: no limit. */
  bandwidthKbit: number | null;
  dupPct: number;
}

/** Why an impairment is out of range, or null. */
export function impairmentProblem(imp: Impairment): string | null {
  const { lossPct, delayMs, bandwidthKbit, dupPct } = imp;
  if (!(lossPct >= 0 && lossPct <= 100)) return "loss is a percentage, 0 to 100";
  if (!(dupPct >= 0 && dupPct <= 100)) return "duplication is a percentage, 0 to 100";
  if (!(delayMs >= 0 && delayMs <= 60000)) return "delay is 0 to 60000 ms";
  if (bandwidthKbit !== null && !(bandwidthKbit > 0)) return "bandwidth is a positive number of kbit/s";
  if (!lossPct && !delayMs && !dupPct && bandwidthKbit === null) return "nothing to impair: give a loss, a delay, a bandwidth or a duplication";
  return null;
}

/** "10% loss, 50 ms, 1000 kbit/s, 1% dup": what is set, in a few words. */
export function impairmentText(imp: Impairment): string {
  const parts: string[] = [];
  if (imp.lossPct) parts.push(`${imp.lossPct}% loss`);
  if (imp.delayMs) parts.push(`${imp.delayMs} ms`);
  if (imp.bandwidthKbit) parts.push(imp.bandwidthKbit >= 1000 && imp.bandwidthKbit % 1000 === 0 ? `${imp.bandwidthKbit / 1000} Mbit/s` : `${imp.bandwidthKbit} kbit/s`);
  if (imp.dupPct) parts.push(`${imp.dupPct}% dup`);
  return parts.join(", ");
}
