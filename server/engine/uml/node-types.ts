import type { Shared, Switch } from "../../model/lab";
import type { Sandbox } from "../sandbox";

export type NodeState = "stopped" | "booting" | "running" | "crashed" | "halted";

export interface NodeStatus {
  name: string;
  state: NodeState;
  pid: number | null;
  /** Why a node crashed: the exit and the last lines of its console. */
  reason: string | null;
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
}

export class NodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeError";
  }
}
