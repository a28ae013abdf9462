import type { ImageStatus } from "../api/image-service";
import type { KernelBuildState } from "../api/kernel-service";
import type { ScenarioEvent, ScenarioState } from "../api/scenario-runner";
import type { LabStatus } from "../engine/lab-run";
import type { LinkStatus } from "../engine/switch/link-faults";
import type { NodeStatus } from "../engine/uml/uml-node";

/** socket.io path, beside Next's own HMR socket. */
export const SOCKET_PATH = "/api/socket";

export interface ConsoleRef {
  /** The lab's name (unique), not its database id. */
  lab: string;
  node: string;
}

export type AttachReply = { ok: true; replay: string; state: NodeStatus["state"] } | { ok: false; error: string };

export type SubscribeReply = { ok: true; lab: string } | { ok: false; error: string };

export interface ClientToServer {
  /**
   * Follow a lab's live events (node, link, scenario, lab status): they go to
   * the lab's room only, which a socket joins when its user may see the lab.
   */
  "lab:subscribe": (ref: { lab: string }, ack: (r: SubscribeReply) => void) => void;
  "lab:unsubscribe": (ref: { lab: string }) => void;
  /**
   * Start receiving a node's console, running or not (output flows once it
   * boots); the answer carries the recent screen.
   */
  "console:attach": (ref: ConsoleRef, ack: (r: AttachReply) => void) => void;
  "console:detach": (ref: ConsoleRef) => void;
  /** Keystrokes; typed while the node boots, they are kept until it runs. */
  "console:input": (ref: ConsoleRef & { data: string }) => void;
  "console:resize": (ref: ConsoleRef & { cols: number; rows: number }) => void;
  /** The viewer has rendered `chars` more characters of this console (flow control). */
  "console:ack": (ref: ConsoleRef & { chars: number }) => void;
}

export interface ServerToClient {
  /** Console output; `reset` means: clear the screen, this is the recent screen after a lag. */
  "console:data": (ref: ConsoleRef & { data: string; reset?: boolean }) => void;
  "node:state": (ev: { lab: string; status: NodeStatus }) => void;
  "lab:status": (status: LabStatus) => void;
  /** A link was pulled, plugged, impaired or cleared (a lab stop clears every link: see lab:status). */
  "link:state": (ev: { lab: string; link: LinkStatus }) => void;
  /** A scenario step ran (ok or failed), as it happens. */
  "scenario:event": (ev: { lab: string; entry: ScenarioEvent }) => void;
  /** A scenario play began or ended (done, stopped, or its lab stopped). */
  "scenario:state": (ev: { lab: string; state: ScenarioState }) => void;
  /** A kernel's build (fast or custom: `kernel` says which), while it runs and when it ends. */
  "kernel:status": (build: KernelBuildState) => void;
  /** A Debian image's build, while it runs and when it ends. */
  "image:status": (status: ImageStatus) => void;
}
