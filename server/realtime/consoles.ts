import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import type { LabService } from "../api/lab-service";
import type { ScenarioEvent, ScenarioState } from "../api/scenario-runner";
import type { LinkStatus } from "../engine/switch/link-faults";
import type { NodeStatus } from "../engine/uml/uml-node";
import { ConsoleStream } from "./console-stream";
import { SOCKET_PATH, type ClientToServer, type ConsoleRef, type ServerToClient } from "./protocol";

const keyOf = (r: ConsoleRef) => `${r.lab}/${r.node}`;
const validRef = (r: unknown): r is ConsoleRef =>
  !!r && typeof (r as ConsoleRef).lab === "string" && typeof (r as ConsoleRef).node === "string";

type IoSocket = Socket<ClientToServer, ServerToClient>;

/**
 * Consoles over socket.io. Each viewer of a console has its own flow-controlled
 * stream (a slow page never slows the guest or the other viewers). Attaching
 * replays the recent screen; detaching or disconnecting never touches the guest.
 */
export function attachRealtime(http: HttpServer, svc: LabService): Server<ClientToServer, ServerToClient> {
  const io = new Server<ClientToServer, ServerToClient>(http, { path: SOCKET_PATH, maxHttpBufferSize: 1e6 });
  const { engine } = svc;
  const viewers = new Map<string, Map<IoSocket, ConsoleStream>>();

  const recent = (ref: ConsoleRef) => engine.run(ref.lab)?.nodes.get(ref.node)?.console.text() ?? "";
  engine.on("console", (lab: string, node: string, data: string) => {
    for (const stream of viewers.get(keyOf({ lab, node }))?.values() ?? []) stream.push(data);
  });
  engine.on("node-state", (lab: string, status: NodeStatus) => io.emit("node:state", { lab, status }));
  engine.on("lab", (status) => io.emit("lab:status", status));
  engine.on("link-state", (lab: string, link: LinkStatus) => io.emit("link:state", { lab, link }));
  svc.scenarios.on("event", (lab: string, entry: ScenarioEvent) => io.emit("scenario:event", { lab, entry }));
  svc.scenarios.on("state", (lab: string, state: ScenarioState) => io.emit("scenario:state", { lab, state }));
  svc.kernels.on("status", (build) => io.emit("kernel:status", build));
  svc.images.on("status", (status) => io.emit("image:status", status));

  const detach = (socket: IoSocket, ref: ConsoleRef) => {
    const key = keyOf(ref);
    viewers.get(key)?.delete(socket);
    if (viewers.get(key)?.size === 0) viewers.delete(key);
  };

  io.on("connection", (socket) => {
    const mine = new Map<string, ConsoleRef>();
    socket.on("console:attach", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (!validRef(ref)) return reply({ ok: false, error: "expected { lab, node }" });
      try {
        const s = await svc.store.get(ref.lab);
        if (!s.lab.nodes.some((n) => n.name === ref.node)) return reply({ ok: false, error: `lab ${s.name} has no node "${ref.node}"` });
        const canonical = { lab: s.name, node: ref.node };
        const key = keyOf(canonical);
        const stream = new ConsoleStream(
          (data, reset) => socket.emit("console:data", reset ? { ...canonical, data, reset } : { ...canonical, data }),
          () => recent(canonical),
        );
        if (!viewers.has(key)) viewers.set(key, new Map());
        viewers.get(key)!.set(socket, stream);
        mine.set(key, canonical);
        const node = engine.run(s.name)?.nodes.get(ref.node);
        const replay = node?.console.text() ?? "";
        stream.counted(replay.length);
        reply({ ok: true, replay, state: node?.state ?? "stopped" });
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("console:detach", (ref) => {
      if (!validRef(ref)) return;
      detach(socket, ref);
      mine.delete(keyOf(ref));
    });
    socket.on("console:ack", (ref) => {
      if (validRef(ref)) viewers.get(keyOf(ref))?.get(socket)?.ack(Number(ref.chars));
    });
    socket.on("console:input", (ref) => {
      if (!validRef(ref) || typeof ref.data !== "string") return;
      engine.run(ref.lab)?.nodes.get(ref.node)?.write(ref.data);
    });
    socket.on("console:resize", (ref) => {
      if (!validRef(ref)) return;
      const cols = Math.floor(Number(ref.cols));
      const rows = Math.floor(Number(ref.rows));
      if (cols > 0 && cols <= 1000 && rows > 0 && rows <= 1000) engine.run(ref.lab)?.nodes.get(ref.node)?.resize(cols, rows);
    });
    socket.on("disconnect", () => {
      for (const ref of mine.values()) detach(socket, ref);
    });
  });
  return io;
}
