"use client";
import { useEffect, useState } from "react";
import type { KernelBuildState, KernelInfo } from "@/server/engine/build/kernel-service";
import { api } from "./api";
import { umlabSocket } from "./socket";

export type Kernels = { kernels: KernelInfo[]; build: KernelBuildState };

/** The kernels nodes can boot (fast, debian, custom ones) and the build running, kept current (socket `kernel:status`). */
export function useKernels(): Kernels | null {
  const [kernels, setKernels] = useState<Kernels | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => void api.kernels().then((k) => live && setKernels(k), () => {});
    load();
    const socket = umlabSocket();
    // The list again when a build begins or ends (or another begins); progress alone only moves the build.
    let seen = "";
    const onStatus = (build: KernelBuildState) => {
      setKernels((k) => k && { ...k, build });
      const key = `${build.state} ${build.kernel}`;
      if (key !== seen) load();
      seen = key;
    };
    socket.on("kernel:status", onStatus);
    return () => {
      live = false;
      socket.off("kernel:status", onStatus);
    };
  }, []);
  return kernels;
}
