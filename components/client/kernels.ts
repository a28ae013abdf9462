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
    // The newest revision shown: an answer or an event older than it changes nothing.
    let rev = 0;
    const load = () =>
      void api.kernels().then(
        (k) => {
          if (!live || k.rev < rev) return;
          rev = k.rev;
          setKernels({ kernels: k.kernels, build: k.build });
        },
        () => {},
      );
    load();
    const socket = umlabSocket();
    // The list again when a build begins or ends (or another begins); progress alone only moves the build.
    let seen = "";
    const onStatus = ({ rev: at, ...build }: KernelBuildState & { rev: number }) => {
      if (at <= rev) return;
      rev = at;
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
