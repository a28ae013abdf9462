import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import type { Services } from "../api/registry";
import { can, type Principal } from "../auth/permissions";
import { hostProblem, writeProblem } from "../auth/site";
import type { LiveEvent } from "../engine/live";
import { consoleProblem } from "../model/serial";
import { CaptureViewers } from "./capture-viewers";
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
  /** Who may see a lab, by id: its owner's id (null: no such lab). */
  const ownerOf = async (id: string) => (await svc.store.get(id).catch(() => null))?.owner ?? null;
  const toLab = (id: string) => io.to(rooms.lab(id));
  const viewers = new Map<string, Map<IoSocket, ConsoleStream>>();

  engine.on("console", (id: string, node: string, data: string, seq: number) => {
    for (const stream of viewers.get(keyOf({ lab: id, node }))?.values() ?? []) stream.push(data, seq);
  });
  // One event per change, to the lab's room only; a lab going up or down is also told, as no more
  // than that, to its owner's room and the admins' (the labs page).
  engine.on("patch", (ev: LiveEvent) => {
    // Builds are the machine's: every signed-in console may follow them.
    if (ev.patch.kind === "kernel-build") return void io.to(rooms.builds).emit("kernel:status", { ...ev.patch.build, rev: ev.rev });
    if (ev.patch.kind === "image-build") return void io.to(rooms.builds).emit("image:status", { ...ev.patch.image, rev: ev.rev });
    toLab(ev.lab).emit("lab:patch", ev);
    if (ev.patch.kind !== "lab") return;
    const running = ev.patch.state.running;
    void ownerOf(ev.lab).then((owner) => {
      let to = io.to(rooms.admins);
      if (owner) to = to.to(rooms.user(owner));
      to.emit("labs:changed", { lab: ev.lab, running });
    });
  });
  // Someone typed through the engine's console door: activity that keeps an instance from the idle sweep, and
  // someone else at a student's keyboard is shown to the student once, as a keystroke through this server is.
  engine.on("typed", (raw: unknown) => {
    const t = raw as { lab?: unknown; node?: unknown; name?: unknown; supervised?: unknown; first?: unknown } | null;
    if (typeof t?.lab !== "string" || typeof t.node !== "string") return;
    if (!t.supervised) return svc.touch(t.lab);
    if (t.first) io.to(rooms.lab(t.lab)).emit("lab:control", { lab: t.lab, node: t.node, by: String(t.name) });
  });
  // Console output the engine could not send (this server fell behind): its viewers get the screen again.
  engine.on("console-gap", (id: string, node: string) => {
    for (const stream of viewers.get(keyOf({ lab: id, node }))?.values() ?? []) stream.resync();
  });
  // The engine came back (a new one, or the same after the connection dropped; its first hello was before
  // this): events may be lost, so every page asks again for the state of what it shows, and every viewer
  // gets its screen again.
  engine.on("engine", () => {
    // It says nothing of any lab: every signed-in socket (each is in the builds room) is told.
    io.to(rooms.builds).emit("live:resync");
    for (const streams of viewers.values()) for (const stream of streams.values()) stream.resync();
  });

  // Classes: a board's teacher is told it changed; a class's students get its messages.
  all.classes.on("changed", (teacherId, classId, assignmentId) => void io.to(rooms.user(teacherId)).to(rooms.admins).emit("class:changed", { classId, assignmentId }));
  all.classes.on("message", (userIds, payload) => {
    if (userIds.length) io.to(userIds.map(rooms.user)).emit("class:message", payload);
  });

  /** The lab (by id or name) when `who` may see it; null for a lab that is missing or another user's. */
  const visible = (who: Principal, ref: string) => svc.mine(who, ref).catch(() => null);

  const captureViewers = new CaptureViewers(engine, visible);

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
    /**
     * Labs this socket was allowed to follow or type into: each by the name
     * or id it was asked for, to its id (keystrokes name a lab as the client
     * did, and are never worth a lookup in the store).
     */
    const allowed = new Map<string, string>();
    /** Labs of another owner's this socket may use (a teacher's view of a student's instance), by id: told once when it types. */
    const supervised = new Map<string, boolean>();
    const allow = (ref: string, s: { id: string; owner: string }) => {
      allowed.set(ref, s.id);
      allowed.set(s.id, s.id);
      if (s.owner !== who.id && !supervised.has(s.id)) supervised.set(s.id, false);
    };
    /** A console reference of this socket's, with the lab's id; null when it may not use it. */
    const own = (ref: unknown): ConsoleRef | null => {
      if (!validRef(ref)) return null;
      const id = allowed.get(ref.lab);
      return id ? { lab: id, node: ref.node } : null;
    };
    /**
     * A console this socket's user may use (a node's, or the terminal of one of its serial lines, NODE.ttySN), its
     * lab now allowed to this socket; else why not.
     */
    const openable = async (ref: unknown) => {
      if (!validRef(ref)) return { error: "expected { lab, node }" } as const;
      const s = await visible(who, ref.lab);
      if (!s) return { error: `no lab "${ref.lab}"` } as const;
      allow(ref.lab, s);
      const problem = consoleProblem(s.lab, ref.node);
      return problem ? { error: problem } : { s, node: ref.node, error: undefined };
    };
    socket.on("lab:subscribe", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (!ref || typeof ref.lab !== "string") return reply({ ok: false, error: "expected { lab }" });
      try {
        const s = await visible(who, ref.lab);
        if (!s) return reply({ ok: false, error: `no lab "${ref.lab}"` });
        allow(ref.lab, s);
        // Joined before the state is read: an event after the read reaches the room, one before is in the state.
        await socket.join(rooms.lab(s.id));
        reply({ ok: true, lab: s.id, name: s.name, state: await engine.status(s.id, s.lab) });
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("lab:unsubscribe", (ref) => {
      if (ref && typeof ref.lab === "string") void socket.leave(rooms.lab(ref.lab));
    });
    socket.on("console:attach", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      try {
        const open = await openable(ref);
        if (open.error !== undefined) return reply({ ok: false, error: open.error });
        const { s } = open;
        const canonical = { lab: s.id, node: open.node };
        const key = keyOf(canonical);
        const stream = new ConsoleStream(
          (data, reset) => socket.emit("console:data", reset ? { ...canonical, data, reset } : { ...canonical, data }),
          () => engine.attach(canonical.lab, canonical.node),
        );
        // Registered before the screen is read, so output after the read is streamed, not lost.
        if (!viewers.has(key)) viewers.set(key, new Map());
        viewers.get(key)!.set(socket, stream);
        mine.set(key, canonical);
        const snap = await engine.attach(canonical.lab, canonical.node);
        reply({ ok: true, lab: s.id, replay: snap.screen, state: snap.state });
        stream.start(snap);
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("console:door", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      try {
        // Allowed as an attach is: the terminal may still come this way (a door it cannot reach).
        const open = await openable(ref);
        if (open.error !== undefined) return reply({ ok: false, error: open.error });
        const { s } = open;
        const door = all.door?.consoleDoor() ?? null;
        // A page over https cannot open a plain door (mixed content): only one behind the same proxy (a url).
        if (!door || ("port" in door && all.site.publicUrl?.protocol === "https:")) return reply({ ok: true, lab: s.id, door: null });
        const origin = socket.request.headers.origin ?? null;
        const ticket = all.door!.consoleTicket({ lab: s.id, node: open.node, user: who.id, name: who.name, supervised: s.owner !== who.id, origin });
        reply({ ok: true, lab: s.id, door, ticket });
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("console:detach", (raw) => {
      const ref = own(raw);
      if (!ref) return;
      detach(socket, ref);
      mine.delete(keyOf(ref));
    });
    socket.on("console:ack", (raw) => {
      const ref = own(raw);
      if (ref) viewers.get(keyOf(ref))?.get(socket)?.ack(Number(raw.chars));
    });
    socket.on("console:input", (raw) => {
      const ref = own(raw);
      if (!ref || typeof raw.data !== "string") return;
      engine.input(ref.lab, ref.node, raw.data);
      // Someone else at a student's keyboard: the student's workspace shows who, once.
      if (supervised.get(ref.lab) === false) {
        supervised.set(ref.lab, true);
        io.to(rooms.lab(ref.lab)).emit("lab:control", { lab: ref.lab, node: ref.node, by: who.name });
      }
      if (!supervised.has(ref.lab)) svc.touch(ref.lab);
    });
    socket.on("console:resize", (raw) => {
      const ref = own(raw);
      if (!ref) return;
      const cols = Math.floor(Number(raw.cols));
      const rows = Math.floor(Number(raw.rows));
      if (cols > 0 && cols <= 1000 && rows > 0 && rows <= 1000) engine.resize(ref.lab, ref.node, cols, rows);
    });
    socket.on("disconnect", () => {
      for (const ref of mine.values()) detach(socket, ref);
    });
    captureViewers.serve(socket, who);
  });
  return io;
}
