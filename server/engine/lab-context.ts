import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which lab the code running now works for. Everything a lab's start, stop
 * or node action sets going (its processes' callbacks, timers, promises)
 * carries the lab along, so an error nobody caught can still be pinned on
 * the lab it came from (server/crash-guard.ts) instead of on the server.
 */
const context = new AsyncLocalStorage<{ lab: string }>();

export function inLab<T>(lab: string, work: () => T): T {
  return context.run({ lab }, work);
}

export function currentLab(): string | null {
  return context.getStore()?.lab ?? null;
}
