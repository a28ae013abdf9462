"use client";
import { create } from "zustand";

export interface Pane {
  tabs: string[];
  active: string | null;
}

const MAX_PANES = 4;

interface DockState {
  lab: string | null;
  panes: Pane[];
  focusedPane: number;
  broadcast: boolean;
  targets: string[];
  load(lab: string): void;
  open(node: string): void;
  activate(node: string): void;
  close(node: string): void;
  split(node: string): void;
  setBroadcast(on: boolean): void;
  toggleTarget(node: string): void;
}

const key = (lab: string) => `umlab:dock:${lab}`;

/**
 * Which consoles are open, in which pane, and who gets broadcast input. Kept
 * per lab in localStorage, so a reload brings the same terminals back.
 */
export const useDock = create<DockState>()((set, get) => {
  const persist = () => {
    const { lab, panes, broadcast, targets } = get();
    if (lab) localStorage.setItem(key(lab), JSON.stringify({ panes, broadcast, targets }));
  };
  const update = (next: Partial<DockState>) => {
    const panes = (next.panes ?? get().panes).filter((p) => p.tabs.length > 0);
    const open = new Set(panes.flatMap((p) => p.tabs));
    set({ ...next, panes, targets: (next.targets ?? get().targets).filter((t) => open.has(t)), focusedPane: Math.min(next.focusedPane ?? get().focusedPane, Math.max(0, panes.length - 1)) });
    persist();
  };
  return {
    lab: null,
    panes: [],
    focusedPane: 0,
    broadcast: false,
    targets: [],
    load: (lab) => {
      let saved: Partial<DockState> = {};
      try {
        saved = JSON.parse(localStorage.getItem(key(lab)) ?? "{}") as Partial<DockState>;
      } catch {
        // a damaged entry: start with no terminals
      }
      set({ lab, panes: saved.panes ?? [], broadcast: !!saved.broadcast, targets: saved.targets ?? [], focusedPane: 0 });
    },
    open: (node) => {
      const { panes, focusedPane } = get();
      const at = panes.findIndex((p) => p.tabs.includes(node));
      if (at >= 0) return get().activate(node);
      const next = panes.map((p) => ({ ...p, tabs: [...p.tabs] }));
      if (!next.length) next.push({ tabs: [], active: null });
      const pane = next[Math.min(focusedPane, next.length - 1)];
      pane.tabs.push(node);
      pane.active = node;
      update({ panes: next, targets: get().broadcast ? [...get().targets, node] : get().targets });
    },
    activate: (node) => {
      const panes = get().panes.map((p) => (p.tabs.includes(node) ? { ...p, active: node } : p));
      update({ panes, focusedPane: panes.findIndex((p) => p.tabs.includes(node)) });
    },
    close: (node) => {
      const panes = get().panes.map((p) => {
        if (!p.tabs.includes(node)) return p;
        const tabs = p.tabs.filter((t) => t !== node);
        return { tabs, active: p.active === node ? (tabs[tabs.length - 1] ?? null) : p.active };
      });
      update({ panes });
    },
    split: (node) => {
      const { panes } = get();
      if (panes.length >= MAX_PANES) return;
      const from = panes.findIndex((p) => p.tabs.includes(node));
      if (from < 0 || panes[from].tabs.length < 2) return;
      const next = panes.map((p, i) => (i === from ? { tabs: p.tabs.filter((t) => t !== node), active: p.active === node ? p.tabs.filter((t) => t !== node)[0] : p.active } : p));
      next.splice(from + 1, 0, { tabs: [node], active: node });
      update({ panes: next, focusedPane: from + 1 });
    },
    setBroadcast: (on) => update({ broadcast: on, targets: on ? get().panes.flatMap((p) => p.tabs) : [] }),
    toggleTarget: (node) => {
      const { targets } = get();
      update({ targets: targets.includes(node) ? targets.filter((t) => t !== node) : [...targets, node] });
    },
  };
});
