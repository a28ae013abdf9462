import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The lab files offered on first start. */
export function sampleLabs(): { file: string; text: string }[] {
  const dir = import.meta.dirname;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), "utf8") }));
}
