import type { CaptureInfo, CaptureRows, PacketRow } from "../engine/capture/types";
import type { ImageStatus } from "../engine/build/image-service";
import type { KernelBuildState } from "../engine/build/kernel-service";
import type { LabStatus } from "../engine/lab-run";
import type { LiveEvent } from "../engine/live";
import type { NodeStatus } from "../engine/uml/node-types";

/** socket.io path, beside Next's own HMR socket. */
export const SOCKET_PATH = "/api/socket";

/** socket.io path of the engine's console door (server/engine/console-door.ts): a browser's terminal straight to the engine. */
export const DOOR_PATH = "/umlab-console";

export interface ConsoleRef {
  /** The lab's id (attach and subscribe take its name too, and answer with the id every event carries). */
  lab: string;
  /** A node's console, or the terminal of its serial line with no cable: NODE.ttySN. */
  node: string;
}

/**
 * Where a console's door is: `url`, or this page's host name at `port`;
 * null when this server offers none (an engine in the web server, a page
 * over https without a door behind the same proxy): use this socket.
 */
export type ConsoleDoor = { url: string } | { port: number };
export type DoorReply = { ok: true; lab: string; door: ConsoleDoor; ticket: string } | { ok: true; lab: string; door: null } | { ok: false; error: string };

export type AttachReply = { ok: true; lab: string; replay: string; state: NodeStatus["state"] } | { ok: false; error: string };

/** The lab's id and name, and its live state with the revision it was read at (events with a larger one follow). */
export type SubscribeReply = { ok: true; lab: string; name: string; state: LabStatus } | { ok: false; error: string };

export interface ClientToServer {
  /**
   * Follow a lab's live state: the answer holds it with its revision, then
   * every change (its scenario's progress too) comes as a `lab:patch` to the
   * lab's room only, which a socket joins when its user may see the lab.
   */
  "lab:subscribe": (ref: { lab: string }, ack: (r: SubscribeReply) => void) => void;
  "lab:unsubscribe": (ref: { lab: string }) => void;
  /**
   * Start receiving a node's console, running or not (output flows once it
   * boots); the answer carries the recent screen.
   */
  "console:attach": (ref: ConsoleRef, ack: (r: AttachReply) => void) => void;
  "console:detach": (ref: ConsoleRef) => void;
  /**
   * A ticket to a console's door: the terminal talks to the engine
   * straight, without this server in between (docs/ARCHITECTURE.md).
   * Checked as an attach is.
   */
  "console:door": (ref: ConsoleRef, ack: (r: DoorReply) => void) => void;
  /** Keystrokes; typed while the node boots, they are kept until it runs. */
  "console:input": (ref: ConsoleRef & { data: string }) => void;
  "console:resize": (ref: ConsoleRef & { cols: number; rows: number }) => void;
  /** The viewer has rendered `chars` more characters of this console (flow control). */
  "console:ack": (ref: ConsoleRef & { chars: number }) => void;
  /** Follow a capture's rows: the answer has the newest (up to 2,000), then batches come as `capture:rows`. */
  "capture:subscribe": (ref: { lab: string; capture: string }, ack: (r: CaptureSubscribeReply) => void) => void;
  "capture:unsubscribe": (ref: { lab: string; capture: string }) => void;
}

export type CaptureSubscribeReply = { ok: true; lab: string; info: CaptureInfo; rows: PacketRow[] } | { ok: false; error: string };

export interface ServerToClient {
  /** Console output; `reset` means: clear the screen, this is the recent screen after a lag. */
  "console:data": (ref: ConsoleRef & { data: string; reset?: boolean }) => void;
  /**
   * One change to a lab's live state (live.ts), with the revision it makes:
   * apply it when newer than what you hold. Only the lab's room gets it.
   */
  "lab:patch": (ev: LiveEvent) => void;
  /** The engine came back after a break (a restart of its own): ask again for every lab state shown. */
  "live:resync": () => void;
  /** A lab of this user's (every lab, for admins) went up or down: the labs page, which subscribes to none. */
  "labs:changed": (ev: { lab: string; running: boolean }) => void;
  /**
   * A kernel's build (fast or custom: `kernel` says which), while it runs and
   * when it ends, at a revision of the machine's builds: the lists
   * (GET /api/kernels, /api/images) answer with theirs, keep what is newer.
   */
  "kernel:status": (build: KernelBuildState & { rev: number }) => void;
  /** A Debian image's build, while it runs and when it ends (a revision as above). */
  "image:status": (status: ImageStatus & { rev: number }) => void;
  /** To a class's teacher: an assignment's board changed (an instance made, a report): fetch it again. */
  "class:changed": (ev: { classId: string; assignmentId: string | null }) => void;
  /** To each student of a class: its teacher's message. */
  "class:message": (ev: { classId: string; className: string; text: string; at: string }) => void;
  /** To a lab's room: someone who is not its owner (a teacher) typed into one of its consoles. */
  "lab:control": (ev: { lab: string; node: string; by: string }) => void;
  /** A batch of a capture's rows, to its viewers; `missed`: rows skipped before these because this viewer fell behind. */
  "capture:rows": (batch: CaptureRows) => void;
}

/** What a terminal says on its door (one console, named by its ticket): the console events of this socket, nothing else. */
export type ClientToDoor = Pick<ClientToServer, "console:attach" | "console:input" | "console:resize" | "console:ack">;
export type DoorToClient = Pick<ServerToClient, "console:data">;
