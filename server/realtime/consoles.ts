import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import type { Services } from "../api/registry";
import { can, owns, type Principal } from "../auth/permissions";
import { hostProblem, writeProblem } from "../auth/site";
import type { ScenarioEvent, ScenarioState } from "../api/scenario-runner";
import type { LabStatus } from "../engine/lab-run";
import type { LinkStatus } from "../engine/switch/link-faults";
import type { NodeStatus } from "../engine/uml/uml-node";
import { ConsoleStream } from "./console-stream";
import { SOCKET_PATH, type ClientToServer, type ConsoleRef, type ServerToClient } from "./protocol";

const keyOf = (r: ConsoleRef) => `${r.lab}/${r.node}`;
const validRef = (r: unknown): r is ConsoleRef =>
  !!r && typeof (r as ConsoleRef).lab === "string" && typeof (r as ConsoleRef).node === "string";

type IoSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, { who: Principal }>;

/** Rooms: a lab's live events go to its room only; a user's room gets the status of their labs (the labs page). */
export const rooms = { lab: (name: string) => `lab:${name}`, user: (id: string) => `user:${id}`, admins: "admins", builds: "builds" };

/**
 * Consoles over socket.io. Each viewer of a console has its own flow-controlled
 * stream (a slow page never slows the guest or the other viewers). Attaching
 * replays the recent screen; detaching or disconnecting never touches the guest.
 */
export function attachRealtime(http: HttpServer, all: Services): Server<ClientToServer, ServerToClient> {
  const svc = all.labs;
  const io = new Server<ClientToServer, ServerToClient, Record<string, never>, { who: Principal }>(http, {
    path: SOCKET_PATH,
    maxHttpBufferSize: 1e6,
    // The handshake is a request like any other: this site's Host and Origin (or a bearer token), and somebody signed in.
    allowRequest: (req, done) => {
      const h = (k: string) => (Array.isArray(req.headers[k]) ? req.headers[k]![0] : (req.headers[k] as string | undefined));
      const problem =
        hostProblem(h("host"), all.site) ??
        writeProblem({ method: "POST", host: h("host"), origin: h("origin"), secFetchSite: undefined, contentType: undefined, hasBody: false, bearer: /^Bearer\s/i.test(h("authorization") ?? "") }, all.site);
      if (problem) return done(problem, false);
      const headers = new Headers();
      for (const k of ["cookie", "authorization"]) if (h(k)) headers.set(k, h(k)!);
      all.accounts.whoIs(headers).then(
        (who) => {
          if (!who) return done("sign in first", false);
          (req as { umlabWho?: Principal }).umlabWho = who;
          done(null, true);
        },
        () => done("could not check the session", false),
      );
    },
  });
  const { engine } = svc;
  /** Who may see a lab, by name: its owner's id (null: no such lab). */
  const ownerOf = async (lab: string) => (await svc.store.get(lab).catch(() => null))?.owner ?? null;
  const toLab = (lab: string) => io.to(rooms.lab(lab));
  const viewers = new Map<string, Map<IoSocket, ConsoleStream>>();

  const recent = (ref: ConsoleRef) => engine.run(ref.lab)?.nodes.get(ref.node)?.console.text() ?? "";
  engine.on("console", (lab: string, node: string, data: string) => {
    for (const stream of viewers.get(keyOf({ lab, node }))?.values() ?? []) stream.push(data);
  });
  engine.on("node-state", (lab: string, status: NodeStatus) => toLab(lab).emit("node:state", { lab, status }));
  engine.on("lab", (status: LabStatus) => {
    void ownerOf(status.lab).then((owner) => {
      let to = io.to(rooms.lab(status.lab)).to(rooms.admins);
      if (owner) to = to.to(rooms.user(owner));
      to.emit("lab:status", status);
    });
  });
  engine.on("link-state", (lab: string, link: LinkStatus) => toLab(lab).emit("link:state", { lab, link }));
  svc.scenarios.on("event", (lab: string, entry: ScenarioEvent) => toLab(lab).emit("scenario:event", { lab, entry }));
  svc.scenarios.on("state", (lab: string, state: ScenarioState) => toLab(lab).emit("scenario:state", { lab, state }));
  // Kernels and images are the machine's, shared by every lab: every signed-in console may follow their builds.
  svc.kernels.on("status", (build) => io.to(rooms.builds).emit("kernel:status", build));
  svc.images.on("status", (status) => io.to(rooms.builds).emit("image:status", status));

  /** The lab (canonical name) when `who` may see it; null for a lab that is missing or another user's. */
  const visible = async (who: Principal, ref: string) => {
    const s = await svc.store.get(ref).catch(() => null);
    return s && owns(who, s.owner) ? s : null;
  };

  const detach = (socket: IoSocket, ref: ConsoleRef) => {
    const key = keyOf(ref);
    viewers.get(key)?.delete(socket);
    if (viewers.get(key)?.size === 0) viewers.delete(key);
  };

  io.on("connection", (socket) => {
    const who = (socket.request as { umlabWho?: Principal }).umlabWho;
    if (!who) return void socket.disconnect(true);
    socket.data.who = who;
    void socket.join([rooms.user(who.id), rooms.builds, ...(can(who, "Lab.All") ? [rooms.admins] : [])]);
    const mine = new Map<string, ConsoleRef>();
    /** Labs (canonical names) this socket was allowed to follow or type into. */
    const allowed = new Set<string>();
    socket.on("lab:subscribe", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (!ref || typeof ref.lab !== "string") return reply({ ok: false, error: "expected { lab }" });
      const s = await visible(who, ref.lab);
      if (!s) return reply({ ok: false, error: `no lab "${ref.lab}"` });
      allowed.add(s.name);
      await socket.join(rooms.lab(s.name));
      reply({ ok: true, lab: s.name });
    });
    socket.on("lab:unsubscribe", (ref) => {
      if (ref && typeof ref.lab === "string") void socket.leave(rooms.lab(ref.lab));
    });
    socket.on("console:attach", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (!validRef(ref)) return reply({ ok: false, error: "expected { lab, node }" });
      try {
        const s = await visible(who, ref.lab);
        if (!s) return reply({ ok: false, error: `no lab "${ref.lab}"` });
        allowed.add(s.name);
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
      if (!validRef(ref) || typeof ref.data !== "string" || !allowed.has(ref.lab)) return;
      engine.run(ref.lab)?.nodes.get(ref.node)?.write(ref.data);
    });
    socket.on("console:resize", (ref) => {
      if (!validRef(ref) || !allowed.has(ref.lab)) return;
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
