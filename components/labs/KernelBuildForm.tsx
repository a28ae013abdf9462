"use client";
import { useState, type FormEvent } from "react";
import type { KernelBuildState, KernelInfo } from "@/server/engine/build/kernel-service";
import { api, ApiFailure } from "../client/api";

const EXAMPLE = "# lines of a .config, merged after umlab's\nCONFIG_NET_SCH_CAKE=m\n# CONFIG_IPV6 is not set\n";

/**
 * Build a custom kernel: a name and a configuration fragment (merged after
 * umlab's); the build's progress and, when it ends, its error or the options
 * that did not end up as asked. Nodes boot it with `kernel: NAME`.
 */
export function KernelBuildForm({ kernels, build }: { kernels: KernelInfo[]; build: KernelBuildState }) {
  const [name, setName] = useState("");
  const [fragment, setFragment] = useState(EXAMPLE);
  const [asked, setAsked] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mine = asked ? kernels.find((k) => k.name === asked) : undefined;
  const ours = asked !== null && build.kernel === asked;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.buildKernel(name, fragment);
      setAsked(name);
    } catch (err) {
      const problems = err instanceof ApiFailure && Array.isArray(err.problems) ? (err.problems as { line: number; message: string }[]) : null;
      setError(problems ? problems.map((p) => `line ${p.line}: ${p.message}`).join("\n") : (err as Error).message);
    }
  };

  return (
    <details className="kernel-build" data-testid="kernel-build">
      <summary>Build a kernel</summary>
      <form onSubmit={submit}>
        <label>
          Name
          <input value={name} placeholder="e.g. cake" onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Configuration fragment
          <textarea rows={6} spellCheck={false} value={fragment} onChange={(e) => setFragment(e.target.value)} />
        </label>
        <button type="submit" disabled={build.state === "building"}>
          Build
        </button>
        {ours && build.state === "building" && (
          <span className="busy" role="status">
            building {asked}: step {build.progress?.step ?? 1} of {build.progress?.steps ?? 6}, {build.progress?.label ?? "starting"}…
          </span>
        )}
        {ours && build.state === "done" && (
          <span role="status">
            {asked} is built: choose it as a node&apos;s kernel{mine?.warnings?.length ? "; not as asked:" : "."}
          </span>
        )}
      </form>
      {ours && build.state === "done" && !!mine?.warnings?.length && (
        <ul className="warn">
          {mine.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {(error || (ours && build.state === "failed")) && (
        <pre className="error build-error" role="alert">
          {error ?? build.error}
        </pre>
      )}
    </details>
  );
}
