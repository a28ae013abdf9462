"use client";
import type { KernelChoice } from "@/server/model/lab";
import { useKernels } from "../client/kernels";

/**
 * The kernel a node (or every node of the lab) boots: the default (the
 * field left out of lab.yaml), fast, debian, or a custom kernel the server
 * knows (one not built, or building, is marked so).
 */
export function KernelField({ label, value, onChange }: { label: string; value: KernelChoice | undefined; onChange: (v: KernelChoice | undefined) => void }) {
  const k = useKernels();
  const building = k?.build.state === "building" ? k.build.kernel : null;
  const mark = (name: string, ready: boolean) => (ready ? "" : building === name ? " (building…)" : " (not built)");
  const fast = k?.kernels.find((i) => i.name === "fast");
  const custom = k?.kernels.filter((i) => i.kind === "custom") ?? [];
  const chosen = value && value !== "fast" && value !== "debian" ? custom.find((c) => c.name === value) : undefined;
  return (
    <label>
      {label}
      <select value={value ?? ""} onChange={(e) => onChange((e.target.value || undefined) as KernelChoice | undefined)}>
        <option value="">default: fast once built, else Debian&apos;s</option>
        <option value="fast">fast (umlab&apos;s own){fast ? mark("fast", fast.ready) : ""}</option>
        <option value="debian">Debian&apos;s user-mode-linux</option>
        {custom.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name} (custom){mark(c.name, c.ready)}
          </option>
        ))}
        {value && value !== "fast" && value !== "debian" && k && !chosen && <option value={value}>{value} (custom, not built)</option>}
      </select>
      {k && value && value !== "fast" && value !== "debian" && !chosen?.ready && (
        <small className="warn">
          kernel {value} is not built: build it on the labs page or with `umlab kernel build {value} --fragment FILE`
        </small>
      )}
    </label>
  );
}
