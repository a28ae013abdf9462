"use client";
import { useMe } from "../client/account";
import { useKernels } from "../client/kernels";
import { KernelBuildForm } from "./KernelBuildForm";

/**
 * On the labs page: which kernel new nodes boot, the custom kernels there
 * are, the build running; and a form to build a custom kernel.
 */
export function KernelStatus() {
  const k = useKernels();
  const mayBuild = !!useMe()?.privileges.includes("Kernel.Build");
  if (!k) return null;
  const { kernels, build } = k;
  const fast = kernels.find((i) => i.name === "fast");
  const custom = kernels.filter((i) => i.kind === "custom");
  const step = `step ${build.progress?.step ?? 1} of ${build.progress?.steps ?? 6} (${build.progress?.label ?? "starting"})`;
  const text =
    build.state === "building" && build.kernel === "fast"
      ? `Fast kernel: building, ${step}; nodes boot Debian's kernel meanwhile.`
      : fast?.ready
        ? `Nodes boot umlab's fast kernel (${fast.release}) unless they choose Debian's or a custom kernel.`
        : `Fast kernel: ${fast?.detail ?? "unknown"}`;
  const builtCustom = custom.filter((c) => c.ready).map((c) => c.name);
  return (
    <div className="kernels">
      <p className={`kernel-status${build.state === "failed" && build.kernel === "fast" ? " error" : ""}`} data-testid="kernel-status">
        {text}{" "}
        {builtCustom.length ? `Custom kernels: ${builtCustom.join(", ")}.` : "No custom kernel yet."}
        {build.state === "building" && build.kernel !== "fast" && ` Building kernel ${build.kernel}: ${step}.`}
      </p>
      {mayBuild && <KernelBuildForm kernels={custom} build={build} />}
    </div>
  );
}
