import { authHeaders, connectProblem } from "./credentials";
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "../realtime/protocol";

/**
 * `umlab console LAB NODE`: the node's console on this terminal (raw when a
 * TTY) over socket.io, until Ctrl-], the end of piped input, or the node
 * stops. Resolves with the exit code; errors are printed here, not thrown.
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
    socket.on("connect", () => {
      socket.emit("console:attach", { lab, node }, (r) => {
        if (!r.ok) {
          console.error(`umlab: ${r.error}`);
          return done(1);
        }
        process.stderr.write(`[attached to ${lab}/${node}; detach with Ctrl-]]\r\n`);
        if (r.state !== "running" && r.state !== "booting") process.stderr.write(`[${node} is ${r.state}: its output shows here once it starts]\r\n`);
        process.stdout.write(r.replay, () => socket.emit("console:ack", { lab, node, chars: r.replay.length }));
        if (process.stdin.isTTY) {
          process.stdin.setRawMode(true);
          socket.emit("console:resize", { lab, node, cols: process.stdout.columns, rows: process.stdout.rows });
        }
        process.stdin.on("data", (d: Buffer) => {
          if (d.includes(0x1d)) return done(0);
          socket.emit("console:input", { lab, node, data: d.toString("utf8") });
        });
        // Piped input (scripts, tests): leave time for the echo before detaching.
        process.stdin.on("end", () => setTimeout(() => done(0), 1500));
      });
    });
    socket.on("console:data", (m) => {
      if (m.lab !== lab || m.node !== node) return;
      // Acknowledged once written, so a flood is paced by the terminal (see ConsoleStream).
      process.stdout.write(m.reset ? `\x1bc${m.data}` : m.data, () => socket.emit("console:ack", { lab, node, chars: m.data.length }));
    });
    socket.on("node:state", (m) => {
      if (m.lab === lab && m.status.name === node && (m.status.state === "stopped" || m.status.state === "crashed" || m.status.state === "halted")) {
        process.stderr.write(`\r\n[${node} ${m.status.state}]\r\n`);
        done(0);
      }
    });
  });
}
