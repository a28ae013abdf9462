import { authHeaders, connectProblem } from "./credentials";
import { io, type Socket } from "socket.io-client";
import type { ScenarioEvent } from "../engine/scenario-player";
import type { ScenarioView } from "../api/scenario-service";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "../realtime/protocol";
import type { ServerRequest } from "./kathara";

const USAGE = "usage: umlab scenario LAB play [--no-wait] | umlab scenario LAB stop | umlab scenario LAB log";

/** "+10.0s pull node04.eth0 ok" */
export const eventLine = (e: ScenarioEvent) => `+${(e.atMs / 1000).toFixed(1)}s ${e.text} ${e.ok ? "ok" : `failed: ${e.error}`}`;

/**
 * `umlab scenario LAB play|stop|log`. Play waits for the last step, printing
 * each as it happens (socket.io), and exits 1 when a step failed or the play
 * was stopped; --no-wait returns once it has begun.
 */
export async function scenarioCommand(rest: string[], request: ServerRequest, baseUrl: string): Promise<number> {
  const [lab, action, ...opts] = rest;
  if (!lab || !action) throw new Error(`missing LAB or action: ${USAGE}`);
  const path = `/api/labs/${encodeURIComponent(lab)}/scenario`;
  const call = async (method: string, p: string) => (await (await request(p, { method })).json()) as ScenarioView;
  switch (action) {
    case "play":
      if (opts.length && (opts.length > 1 || opts[0] !== "--no-wait")) throw new Error(`unexpected "${opts[0]}": ${USAGE}`);
      if (opts.includes("--no-wait")) {
        const v = await call("POST", `${path}/play`);
        console.log(`playing the scenario of ${v.lab}: ${v.steps.length} steps, the last at +${lastAt(v)}s (\`umlab scenario ${lab} log\` shows how far it is)`);
        return 0;
      }
      return playAndWait(path, call, baseUrl);
    case "stop": {
      const v = await call("POST", `${path}/stop`);
      console.log(v.stopped ? `stopped the scenario of ${v.lab}: ${v.log.length} of ${v.steps.length} steps ran` : `the scenario of ${v.lab} is not playing`);
      return 0;
    }
    case "log": {
      const v = await call("GET", path);
      if (!v.startedAt) {
        console.log(`the scenario of ${v.lab} has not been played since the server started; its steps:`);
        for (const s of v.steps) console.log(`  ${s.text}`);
        return 0;
      }
      console.log(`played at ${v.startedAt}`);
      for (const e of v.log) console.log(eventLine(e));
      console.log(v.playing ? `playing: ${v.steps.length - v.log.length} steps to go` : summary(v));
      return 0;
    }
    default:
      throw new Error(`unknown scenario action "${action}": ${USAGE}`);
  }
}

const lastAt = (v: ScenarioView) => ((v.steps.at(-1)?.atMs ?? 0) / 1000).toFixed(1);

function summary(v: ScenarioView): string {
  const failed = v.log.filter((e) => !e.ok).length;
  if (v.stopped) return `stopped after ${v.log.length} of ${v.steps.length} steps${failed ? ` (${failed} failed)` : ""}`;
  return `done: ${v.log.length} steps, ${failed ? `${failed} failed` : "all ok"}`;
}

async function playAndWait(path: string, call: (method: string, p: string) => Promise<ScenarioView>, baseUrl: string): Promise<number> {
  const socket: Socket<ServerToClient, ClientToServer> = io(baseUrl, { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, extraHeaders: authHeaders(baseUrl) });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", () => void connectProblem(baseUrl).then((m) => reject(new Error(m))));
    });
    // Scenario events go to the lab's room only.
    const ref = decodeURIComponent(path.split("/")[3] ?? "");
    // Events carry the lab's id, which the subscription answers with.
    const id = await new Promise<string>((resolve, reject) => socket.emit("lab:subscribe", { lab: ref }, (r) => (r.ok ? resolve(r.lab) : reject(new Error(r.error)))));
    // Steps may run before play's answer: keep them until then.
    let answered = false;
    let printed = 0;
    const early: ScenarioEvent[] = [];
    let ended = () => {};
    const end = new Promise<void>((r) => (ended = r));
    socket.on("lab:patch", (ev) => {
      if (ev.lab !== id) return;
      if (ev.patch.kind === "scenario-step") {
        if (!answered) early.push(ev.patch.entry);
        else {
          console.log(eventLine(ev.patch.entry));
          printed++;
        }
      } else if (ev.patch.kind === "scenario" && answered && !ev.patch.state.playing) ended();
    });
    const v = await call("POST", `${path}/play`);
    answered = true;
    console.log(`playing the scenario of ${v.lab}: ${v.steps.length} steps, the last at +${lastAt(v)}s`);
    for (const entry of early) {
      console.log(eventLine(entry));
      printed++;
    }
    // The socket tells when it ends; a look now and then covers an event lost to a reconnect.
    const poll = setInterval(() => void call("GET", path).then((x) => x.playing || ended(), () => {}), 2000);
    await end;
    clearInterval(poll);
    const final = await call("GET", path);
    for (const e of final.log.slice(printed)) console.log(eventLine(e));
    console.log(summary(final));
    return final.stopped || final.log.some((e) => !e.ok) ? 1 : 0;
  } finally {
    socket.close();
  }
}
