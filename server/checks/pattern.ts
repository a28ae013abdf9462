import { runInContext, createContext } from "node:vm";

/**
 * Patterns from lab files run on what guests print, so neither is trusted:
 * the text is cut to MAX_TEXT, and the match runs in a context of its own
 * with a time limit, which stops a pattern that backtracks without end
 * (V8 checks for the interrupt while it backtracks).
 */
export const MAX_TEXT = 64 * 1024;
const TIME_LIMIT_MS = 100;

const context = createContext(Object.create(null) as object);

/** Whether `pattern` (m flag: ^ and $ at each line) matches `text`; "timeout" when it takes too long. */
export function matches(pattern: string, text: string): boolean | "timeout" {
  const c = context as { p?: string; s?: string };
  c.p = pattern;
  c.s = text.slice(0, MAX_TEXT);
  try {
    return runInContext("new RegExp(p, 'm').test(s)", context, { timeout: TIME_LIMIT_MS }) as boolean;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return "timeout";
    throw e;
  } finally {
    c.p = c.s = undefined;
  }
}
