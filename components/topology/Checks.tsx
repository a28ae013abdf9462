"use client";
import { create } from "zustand";
import type { CheckReport } from "@/server/api/check-service";
import { call } from "../client/api";
import { useTopology } from "./store";

/**
 * "Check my work": runs the lab's checks on the running lab (POST
 * /api/labs/LAB/checks/run) and shows each result, its points, what was
 * seen, and the hint of a failed one, with the total. Shown only for a lab
 * that has checks; hidden ones are left out (the server decides).
 */
interface ChecksStore {
  open: boolean;
  running: boolean;
  report: CheckReport | null;
  error: string | null;
  run(labId: string): Promise<void>;
  close(): void;
}

export const useChecks = create<ChecksStore>()((set) => ({
  open: false,
  running: false,
  report: null,
  error: null,
  async run(labId) {
    set({ open: true, running: true, error: null });
    try {
      set({ report: await call<CheckReport>("POST", `/api/labs/${encodeURIComponent(labId)}/checks/run`, {}) });
    } catch (e) {
      set({ error: (e as Error).message });
    } finally {
      set({ running: false });
    }
  },
  close: () => set({ open: false }),
}));

export function ChecksButton({ labId }: { labId: string }) {
  const has = useTopology((s) => (s.doc?.checks?.length ?? 0) > 0);
  const running = useChecks((s) => s.running);
  if (!has) return null;
  return (
    <button type="button" data-testid="check-my-work" disabled={running} title="Run the lab's checks on the running lab and see what passes" onClick={() => void useChecks.getState().run(labId)}>
      {running ? "Checking…" : "Check my work"}
    </button>
  );
}

const ok = { color: "var(--running)" };
const bad = { color: "var(--danger)" };

export function ChecksPanel() {
  const { open, running, report, error } = useChecks();
  if (!open) return null;
  return (
    <section className="tool-panel checks-panel" aria-label="Checks" data-testid="checks-panel" style={{ left: "auto", right: 10, width: 420 }}>
      <header>
        <strong>Checks</strong>
        {report && (
          <span data-testid="checks-total">
            {report.points}/{report.maxPoints} points · {report.results.filter((r) => r.passed).length} of {report.results.length} passed
          </span>
        )}
        <button type="button" className="link" onClick={() => useChecks.getState().close()}>
          close
        </button>
      </header>
      {running && <p className="empty">Running the checks…</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && !report.results.length && <p className="empty">This lab has no checks to run.</p>}
      <ul style={{ listStyle: "none", margin: 0, padding: "4px 10px", overflow: "auto" }}>
        {(report?.results ?? []).map((r) => (
          <li key={r.id} data-testid="check-result" data-check={r.id} data-passed={r.passed} style={{ padding: "5px 0", borderBottom: "1px solid var(--line)" }}>
            <div style={{ display: "flex", gap: 8 }}>
              <strong style={r.passed ? ok : bad}>{r.passed ? "✓" : "✗"}</strong>
              <span style={{ flex: 1 }}>{r.description}</span>
              <span>
                {r.points}/{r.maxPoints}
              </span>
            </div>
            <small style={{ display: "block", color: "var(--muted)" }}>{r.reason}</small>
            {r.hint && <small style={{ display: "block" }}>Hint: {r.hint}</small>}
          </li>
        ))}
      </ul>
      {report && <footer>Checked {new Date(report.ranAt).toLocaleTimeString()}</footer>}
    </section>
  );
}
