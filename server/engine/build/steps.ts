import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

/** One command of a build, run with its argv as given (never a shell). */
export interface BuildStep {
  label: string;
  argv: string[];
  /** Absolute working directory. */
  cwd: string;
}

export interface BuildProgress {
  step: number;
  steps: number;
  label: string;
  /** The last line the build printed. */
  line: string;
}

export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

export interface RunStepsOptions {
  log: string;
  env?: Record<string, string>;
  onProgress?: (p: BuildProgress) => void;
  /** Checks run after a step succeeded (e.g. the kernel's resolved configuration); throwing fails the build. */
  after?: (step: BuildStep) => void;
  /** Aborting ends the running step (its whole process group) and fails the build. */
  signal?: AbortSignal;
}

/**
 * Runs a build's steps in order, everything they print going to the log. A
 * failing step is a BuildError naming it, with the end of its output and
 * where the whole log is.
 */
export async function runSteps(steps: BuildStep[], o: RunStepsOptions): Promise<void> {
  const log = createWriteStream(o.log);
  try {
    for (const [i, step] of steps.entries()) {
      const progress = (line: string) => o.onProgress?.({ step: i + 1, steps: steps.length, label: step.label, line });
      progress("");
      await runStep(step, o, log, progress);
      o.after?.(step);
    }
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
}

function runStep(step: BuildStep, o: RunStepsOptions, log: NodeJS.WritableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    log.write(`\n### ${step.label}: ${step.argv.join(" ")}\n`);
    if (o.signal?.aborted) return reject(new BuildError(`${step.label}: cancelled`));
    // A session of its own: mmdebstrap, failing, hangs up its whole session, which must not be ours.
    const child = spawn(step.argv[0], step.argv.slice(1), { cwd: step.cwd, env: { ...process.env, LC_ALL: "C", ...o.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    // The step's own process group (detached: its pid), so make's compilers end with it.
    const cancel = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    };
    o.signal?.addEventListener("abort", cancel, { once: true });
    let tail: string[] = [];
    const take = (d: Buffer) => {
      log.write(d);
      const lines = d.toString().split("\n").filter(Boolean);
      tail = [...tail, ...lines].slice(-20);
      if (lines.length) onLine(lines[lines.length - 1]);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (e) => reject(new BuildError(`${step.label}: ${e.message}`)));
    child.on("close", (code, signal) => {
      o.signal?.removeEventListener("abort", cancel);
      if (o.signal?.aborted) reject(new BuildError(`${step.label}: cancelled`));
      else if (code === 0) resolve();
      else reject(new BuildError(`${step.label} failed (${code === null ? signal : `exit ${code}`}); the end of its output:\n${tail.join("\n")}\n(whole log: ${o.log})`));
    });
  });
}
