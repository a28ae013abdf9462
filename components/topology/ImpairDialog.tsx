"use client";
import { useState, type FormEvent } from "react";
import type { Impairment } from "@/server/model/link";

/**
 * The impairment of one wire: loss, delay, bandwidth and duplication, each
 * applied in both directions. Empty or 0 means off.
 */
export function ImpairDialog({ title, current, onApply, onCancel }: { title: string; current: Impairment | null; onApply: (imp: Impairment) => void; onCancel: () => void }) {
  const [loss, setLoss] = useState(current?.lossPct ? String(current.lossPct) : "");
  const [delay, setDelay] = useState(current?.delayMs ? String(current.delayMs) : "");
  const [bandwidth, setBandwidth] = useState(current?.bandwidthKbit ? String(current.bandwidthKbit) : "");
  const [dup, setDup] = useState(current?.dupPct ? String(current.dupPct) : "");
  const num = (v: string) => (v.trim() === "" ? 0 : Number(v));
  const imp: Impairment = { lossPct: num(loss), delayMs: num(delay), bandwidthKbit: bandwidth.trim() === "" ? null : Number(bandwidth), dupPct: num(dup) };
  const problem =
    !(imp.lossPct >= 0 && imp.lossPct <= 100) ? "Loss is a percentage, 0 to 100." :
    !(imp.delayMs >= 0 && imp.delayMs <= 60000) ? "Delay is 0 to 60000 ms." :
    imp.bandwidthKbit !== null && !(imp.bandwidthKbit > 0) ? "Bandwidth is a positive number of kbit/s (empty: no limit)." :
    !(imp.dupPct >= 0 && imp.dupPct <= 100) ? "Duplication is a percentage, 0 to 100." :
    !imp.lossPct && !imp.delayMs && !imp.dupPct && imp.bandwidthKbit === null ? "Set at least one of them." :
    null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem) onApply(imp);
  };
  const field = (label: string, value: string, set: (v: string) => void, placeholder: string) => (
    <label>
      {label}
      <input aria-label={label} inputMode="decimal" value={value} placeholder={placeholder} onChange={(e) => set(e.target.value)} />
    </label>
  );
  return (
    <div className="modal" role="dialog" aria-label={title}>
      <form className="modal-box impair" onSubmit={submit}>
        <h2>{title}</h2>
        <p className="hint">Applied to the frames going each way: a 50 ms delay adds 100 ms to a round trip.</p>
        {field("Loss %", loss, setLoss, "0")}
        {field("Delay ms", delay, setDelay, "0")}
        {field("Bandwidth kbit/s", bandwidth, setBandwidth, "no limit")}
        {field("Duplication %", dup, setDup, "0")}
        {problem && (loss || delay || bandwidth || dup) && <small className="error">{problem}</small>}
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!!problem}>
            Impair
          </button>
        </div>
      </form>
    </div>
  );
}
