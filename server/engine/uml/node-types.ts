import type { Disk } from "../../model/disk";
import type { Shared, Switch } from "../../model/lab";
import type { ExtraDisks } from "../disk/extra-disks";
import type { Sandbox } from "../sandbox";
import type { PluggedDisk } from "./node-disks";
import type { RebootInfo } from "./reboot-watch";

export type NodeState = "stopped" | "booting" | "running" | "crashed" | "halted";

export interface NodeStatus {
  name: string;
  state: NodeState;
  pid: number | null;
  /** Why a node crashed: the exit and the last lines of its console. */
  reason: string | null;
  /** The lab's disks in its slots while it runs (absent from an engine before disks). */
  disks?: PluggedDisk[];
  /** Its last reboot from inside since it was started (a watchdog's, say), or null. */
  reboot?: RebootInfo | null;
}

export interface NodeContext {
  root: string;
  lab: string;
  runDir: string;
  disksDir: string;
  switches: ReadonlyMap<string, Switch>;
  /** A node's interface ports on their vde switches (index -> port). */
  ports: (node: string) => ReadonlyMap<number, number>;
  /** A node's serial lines (line number -> host pty), held by the run for its whole life. */
  serialTtys: (node: string) => ReadonlyMap<number, string>;
  /** What every node of the lab gets before its own configuration. */
  shared: Shared;
  /** How its linux.uml is confined (sandbox.ts). */
  sandbox: Sandbox;
  /** The lab's extra disk files. */
  extraDisks: ExtraDisks;
  /** The lab's disk of that name, as the run knows it now. */
  disk(name: string): Disk | undefined;
  /** Which node holds a disk's lock now, or null. */
  diskHolder(name: string): string | null;
}

export class NodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeError";
  }
}
