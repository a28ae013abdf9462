"use client";
import { useEffect, useState } from "react";
import type { KernelBuildState, KernelInfo } from "@/server/api/kernel-service";
import { umlabSocket } from "../client/socket";

/** One line on the labs page: which kernel new nodes boot, and the fast kernel's build while it runs. */
export function KernelStatus() {
  const [kernels, setKernels] = useState<KernelInfo[] | null>(null);
  const [build, setBuild] = useState<KernelBuildState | null>(null);
  useEffect(() => {
    const load = () =>
      fetch("/api/kernels")
        .then((r) => r.json() as Promise<{ kernels: KernelInfo[]; build: KernelBuildState }>)
        .then((k) => {
          setKernels(k.kernels);
          setBuild(k.build);
        })
        .catch(() => {});
    void load();
    const socket = umlabSocket();
    const onStatus = (b: KernelBuildState) => {
      setBuild(b);
      if (b.state !== "building") void load();
    };
    socket.on("kernel:status", onStatus);
    return () => void socket.off("kernel:status", onStatus);
  }, []);
  if (!kernels) return null;
  const fast = kernels.find((k) => k.name === "fast");
  const text =
    build?.state === "building"
      ? `Fast kernel: building, step ${build.progress?.step ?? 1} of ${build.progress?.steps ?? 6} (${build.progress?.label ?? "starting"}); nodes boot Debian's kernel meanwhile.`
      : fast?.ready
        ? `Nodes boot umlab's fast kernel (${fast.release}) unless they choose Debian's.`
        : `Fast kernel: ${fast?.detail ?? "unknown"}`;
  return (
    <p className={`kernel-status${build?.state === "failed" ? " error" : ""}`} data-testid="kernel-status">
      {text}
    </p>
  );
}
