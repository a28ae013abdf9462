import { currentLab } from "./engine/lab-context";

/**
 * One bad lab never stops the server: an error or rejection nobody caught is
 * logged, and when it came from a lab's code (engine/lab-context.ts) that lab
 * is marked failed; the server keeps serving everyone else.
 */
export function installCrashGuard(onLabError: (lab: string, reason: string) => void, log: (...a: unknown[]) => void = console.error): void {
  const handle = (kind: string) => (e: unknown) => {
    const lab = currentLab();
    log(`umlab: unexpected ${kind}${lab ? ` in lab ${lab}` : ""} (the server keeps serving):`, e);
    if (!lab) return;
    try {
      onLabError(lab, `unexpected ${kind}: ${e instanceof Error ? e.message : String(e)}`);
    } catch (again) {
      log("umlab: marking the lab failed failed too:", again);
    }
  };
  process.on("uncaughtException", handle("error"));
  process.on("unhandledRejection", handle("rejection"));
}
