"use client";
import { useEffect, useState } from "react";
import type { KernelBuildState, KernelInfo } from "@/server/engine/build/kernel-service";
import { api } from "./api";
import { followBuilds } from "./builds-feed";

export type Kernels = { kernels: KernelInfo[]; build: KernelBuildState };

/** The kernels nodes can boot (fast, debian, custom ones) and the build running, kept current (socket `kernel:status`). */
export function useKernels(): Kernels | null {
  const [kernels, setKernels] = useState<Kernels | null>(null);
  useEffect(() => {
    // The list again when a build begins or ends (or another begins); progress alone only moves the build.
    let seen = "";
    return followBuilds(
      api.kernels,
      "kernel:status",
      (k) => setKernels({ kernels: k.kernels, build: k.build }),
      ({ rev: _rev, ...build }: KernelBuildState & { rev: number }) => {
        setKernels((k) => k && { ...k, build });
        const key = `${build.state} ${build.kernel}`;
        const again = key !== seen;
        seen = key;
        return again;
      },
    );
  }, []);
  return kernels;
}
