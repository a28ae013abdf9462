"use client";
import { create } from "zustand";

/** Which capture the panel beside the canvas shows, of which lab (none: the panel is closed). */
interface CaptureView {
  shown: { lab: string; id: string } | null;
  show(lab: string, id: string): void;
  hide(): void;
}

export const useCaptureView = create<CaptureView>()((set) => ({
  shown: null,
  show: (lab, id) => set({ shown: { lab, id } }),
  hide: () => set({ shown: null }),
}));
