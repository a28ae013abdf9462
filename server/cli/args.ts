/**
 * Takes `flag VALUE` out of args; the value, or null without the flag. A
 * value that looks like another flag is refused, unless `anyValue` (free
 * text, such as a message).
 */
export function takeOption(args: string[], flag: string, anyValue = false): string | null {
  const at = args.indexOf(flag);
  if (at < 0) return null;
  const v = args[at + 1];
  if (v === undefined || (!anyValue && (!v || v.startsWith("-")))) throw new Error(`${flag} needs a value`);
  args.splice(at, 2);
  return v;
}
