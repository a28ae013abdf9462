import type { LabStatus } from "../engine/lab-run";
import type { NodeStatus } from "../engine/uml/uml-node";

/** socket.io path, beside Next's own HMR socket. */
export const SOCKET_PATH = "/api/socket";

export interface ConsoleRef {
  /** The lab's name (unique), not its database id. */
  lab: string;
  node: string;
}

export interface ClientToServer {
  /** Start receiving a node's console; the answer carries the recent screen. */
  "console:attach": (ref: ConsoleRef, ack: (r: { ok: true; replay: string } | { ok: false; error: string }) => void) => void;
  "console:detach": (ref: ConsoleRef) => void;
  "console:input": (ref: ConsoleRef & { data: string }) => void;
  "console:resize": (ref: ConsoleRef & { cols: number; rows: number }) => void;
}

export interface ServerToClient {
  "console:data": (ref: ConsoleRef & { data: string }) => void;
  "node:state": (ev: { lab: string; status: NodeStatus }) => void;
  "lab:status": (status: LabStatus) => void;
}
