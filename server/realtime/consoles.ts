import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { LabService } from "../api/lab-service";
import type { NodeStatus } from "../engine/uml/uml-node";
import { SOCKET_PATH, type ClientToServer, type ConsoleRef, type ServerToClient } from "./protocol";

const room = (r: ConsoleRef) => `console:${r.lab}/${r.node}`;
const validRef = (r: unknown): r is ConsoleRef =>
  !!r && typeof (r as ConsoleRef).lab === "string" && typeof (r as ConsoleRef).node === "string";

/**
 * Consoles over socket.io. A browser or CLI joins a node's room and gets the
 * recent screen back; leaving or disconnecting never touches the guest.
 */
export function attachRealtime(http: HttpServer, svc: LabService): Server<ClientToServer, ServerToClient> {
  const io = new Server<ClientToServer, ServerToClient>(http, { path: SOCKET_PATH, maxHttpBufferSize: 1e6 });
  const { engine } = svc;

  engine.on("console", (lab: string, node: string, data: string) => io.to(room({ lab, node })).emit("console:data", { lab, node, data }));
  engine.on("node-state", (lab: string, status: NodeStatus) => io.emit("node:state", { lab, status }));
  engine.on("lab", (status) => io.emit("lab:status", status));

  io.on("connection", (socket) => {
    socket.on("console:attach", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (!validRef(ref)) return reply({ ok: false, error: "expected { lab, node }" });
      try {
        const node = await svc.runningNode(ref.lab, ref.node);
        await socket.join(room({ lab: node.labName, node: node.name }));
        reply({ ok: true, replay: node.console.text() });
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("console:detach", (ref) => {
      if (validRef(ref)) void socket.leave(room(ref));
    });
    socket.on("console:input", async (ref) => {
      if (!validRef(ref) || typeof ref.data !== "string") return;
      engine.run(ref.lab)?.nodes.get(ref.node)?.write(ref.data);
    });
    socket.on("console:resize", (ref) => {
      if (!validRef(ref)) return;
      const cols = Math.floor(Number(ref.cols));
      const rows = Math.floor(Number(ref.rows));
      if (cols > 0 && cols <= 1000 && rows > 0 && rows <= 1000) engine.run(ref.lab)?.nodes.get(ref.node)?.resize(cols, rows);
    });
  });
  return io;
}
