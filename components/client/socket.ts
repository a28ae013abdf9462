"use client";
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "@/server/realtime/protocol";
import { UMLAB_SOCKET_OPTIONS } from "./socket-options";

export type UmlabSocket = Socket<ServerToClient, ClientToServer>;

let socket: UmlabSocket | null = null;

/** One socket per page: every terminal and live badge shares it. */
export function umlabSocket(): UmlabSocket {
  if (!socket) socket = io({ ...UMLAB_SOCKET_OPTIONS, path: SOCKET_PATH });
  return socket;
}

/**
 * Timing hooks for the keystroke-latency bench (scripts/bench): a page can be
 * given `window.__umlabProbe` and is told when console bytes arrive and when
 * xterm has drawn them. Nothing happens when no probe is set.
 */
export type ProbeEvent = { kind: "data" | "rendered"; node: string; data?: string; t: number };
export function probe(kind: ProbeEvent["kind"], node: string, data?: string): void {
  const p = (globalThis as { __umlabProbe?: (e: ProbeEvent) => void }).__umlabProbe;
  if (p) p({ kind, node, data, t: performance.now() });
}
