import { authHeaders, connectProblem } from "./credentials";
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "../realtime/protocol";

/**
 * `umlab console LAB NODE`: the node's console on this terminal (raw when a
 * TTY) over socket.io, until Ctrl-], the end of piped input, or the node
 * stops. NODE.ttySN: the terminal of that serial line of the node (one with
 * no cable), until the same. Resolves with the exit code; errors are printed here, not thrown.
 */
export async function consoleAttach(lab: string, node: string, baseUrl: string): Promise<number> {
  const socket = io(baseUrl, { path: SOCKET_PATH, transports: ["websocket"], extraHeaders: authHeaders(baseUrl) }) as Socket<ServerToClient, ClientToServer>;
  return new Promise((resolve) => {
    const done = (code: number) => {
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      socket.close();
      resolve(code);
    };
    socket.on("connect_error", async () => {
      console.error(`umlab: ${await connectProblem(baseUrl)}`);
      done(1);
    });
    /** The lab's id, which every event and console reference carries (the user names it). */
    let id = "";
    const ended = (state: string) => {
      process.stderr.write(`\r\n[${node} ${state}]\r\n`);
      done(0);
    };
    socket.on("lab:patch", (ev) => {
      if (ev.lab !== id) return;
      const p = ev.patch;
      // A serial line's terminal ends with its node.
      const owner = node.split(".")[0];
      const state = p.kind === "node" && p.node.name === owner ? p.node.state : p.kind === "lab" ? p.state.nodes.find((n) => n.name === owner)?.state : undefined;
      if (state === "stopped" || state === "crashed" || state === "halted") ended(state);
    });
    socket.on("connect", () => {
      // Subscribed first, so the node's stop reaches this terminal.
      socket.emit("lab:subscribe", { lab }, (sub) => {
        if (!sub.ok) {
          console.error(`umlab: ${sub.error}`);
          return done(1);
        }
        id = sub.lab;
        attach();
      });
    });
    const attach = () =>
      socket.emit("console:attach", { lab: id, node }, (r) => {
        if (!r.ok) {
          console.error(`umlab: ${r.error}`);
          return done(1);
        }
        process.stderr.write(`[attached to ${lab}/${node}; detach with Ctrl-]]\r\n`);
        if (r.state !== "running" && r.state !== "booting") process.stderr.write(`[${node} is ${r.state}: its output shows here once it starts]\r\n`);
        process.stdout.write(r.replay, () => socket.emit("console:ack", { lab: id, node, chars: r.replay.length }));
        if (process.stdin.isTTY) {
          process.stdin.setRawMode(true);
          socket.emit("console:resize", { lab: id, node, cols: process.stdout.columns, rows: process.stdout.rows });
        }
        process.stdin.on("data", (d: Buffer) => {
          if (d.includes(0x1d)) return done(0);
          socket.emit("console:input", { lab: id, node, data: d.toString("utf8") });
        });
        // Piped input (scripts, tests): leave time for the echo before detaching.
        process.stdin.on("end", () => setTimeout(() => done(0), 1500));
      });
    socket.on("console:data", (m) => {
      if (m.lab !== id || m.node !== node) return;
      // Acknowledged once written, so a flood is paced by the terminal (see ConsoleStream).
      process.stdout.write(m.reset ? `\x1bc${m.data}` : m.data, () => socket.emit("console:ack", { lab: id, node, chars: m.data.length }));
    });
  });
}
