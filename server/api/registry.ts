import type { LabService } from "./lab-service";

/**
 * Route handlers are compiled by Next into their own module graph, so they
 * reach the one LabService of the process (made by server/main.ts) through
 * globalThis rather than by import.
 */
const KEY = Symbol.for("umlab.services");

export function registerServices(service: LabService): void {
  (globalThis as Record<symbol, unknown>)[KEY] = service;
}

export function services(): LabService {
  const s = (globalThis as Record<symbol, unknown>)[KEY] as LabService | undefined;
  if (!s) throw Object.assign(new Error("the umlab engine is not running in this process: start the server with `npm start`"), { name: "HostError" });
  return s;
}
