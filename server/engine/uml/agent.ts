import { randomBytes } from "node:crypto";
import { write } from "node:fs";
import { AnswerFrame, LineSplitter, MAX_SCRIPT, parseMarker, type Answer } from "./agent-framing";
import { RawPty } from "./raw-pty";

export type ExecResult = Answer;

export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecError";
  }
}

/** How long past a command's own timeout the host waits for the agent's answer. */
const ANSWER_GRACE_S = 5;

interface Pending {
  id: number;
  /** Fresh for every request: only an answer carrying it is this request's. */
  nonce: string;
  script: string;
  timeoutS: number;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
}

/**
 * The host end of a node's exec channel: a pty made before the guest boots
 * (the guest gets its slave as ttyS1, `ssl1=tty:PATH`) and the agent that
 * the guest's init runs on it. Requests are answered one at a time, in order.
 * The slave stays open here too, so the channel outlives a guest reboot.
 */
export class AgentChannel {
  readonly ttyPath: string;
  private readonly pty: RawPty;
  private readonly lines = new LineSplitter();
  private queue: Pending[] = [];
  private current: (Pending & { frame: AnswerFrame; deadline: NodeJS.Timeout }) | null = null;
  private nextId = 1;
  private closed = false;
  private readyWaiters: (() => void)[] = [];
  ready = false;
  /**
   * Called at every request sent and every answer chunk read: UML loses the
   * host's "ready to write" wakeup on this line as on the console (a large
   * answer then stalls half-way, until other input comes), so the node keeps
   * nudging the guest while the line is busy (console-nudger.ts).
   */
  onActivity: (() => void) | null = null;
  /** Each time the guest's agent announces itself (again after a reboot from inside). */
  onReady: (() => void) | null = null;

  constructor() {
    this.pty = new RawPty();
    this.ttyPath = this.pty.ttyPath;
    this.pty.reader.setEncoding("latin1");
    this.pty.reader.on("data", (d: string) => this.onData(d));
  }

  /** Resolves once the agent announced itself. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  /** Marks the guest as gone: pending requests fail; the channel waits for the agent again. */
  guestGone(reason: string): void {
    this.ready = false;
    this.lines.reset();
    if (this.current) clearTimeout(this.current.deadline);
    const failed = [...(this.current ? [this.current] : []), ...this.queue];
    this.current = null;
    this.queue = [];
    for (const p of failed) p.reject(new ExecError(reason));
  }

  exec(script: string, timeoutS = 60): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new ExecError("the node is not running"));
    if (Buffer.byteLength(script) > MAX_SCRIPT) return Promise.reject(new ExecError(`the script is longer than ${MAX_SCRIPT} bytes: copy it into the node as a file instead`));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, nonce: randomBytes(12).toString("hex"), script, timeoutS: Math.max(1, Math.ceil(timeoutS)), resolve, reject });
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.guestGone("the node stopped");
    this.pty.close();
  }

  private pump(): void {
    if (!this.ready || this.current || this.queue.length === 0) return;
    const p = this.queue.shift()!;
    // The guest kills the command at its timeout; a guest that does not answer
    // a while after that is paused or hung, and the caller hears so. A late
    // answer is told apart by its nonce and dropped.
    const deadline = setTimeout(() => {
      if (this.current?.id !== p.id) return;
      this.current = null;
      p.reject(new ExecError(`no answer from the node within ${p.timeoutS + ANSWER_GRACE_S} s: it may be paused or hung`));
      this.pump();
    }, (p.timeoutS + ANSWER_GRACE_S) * 1000);
    deadline.unref();
    this.current = { ...p, frame: new AnswerFrame(p.nonce), deadline };
    const line = `${p.nonce} ${p.timeoutS} ${Buffer.from(p.script).toString("base64")}\n`;
    writeAll(this.pty.master, Buffer.from(line, "latin1"));
    this.onActivity?.();
  }

  private onData(chunk: string): void {
    this.onActivity?.();
    this.lines.push(chunk, (line) => this.onLine(line));
  }

  private onLine(line: string): void {
    const marker = parseMarker(line);
    if (marker?.kind === "ready") {
      this.onReady?.();
      this.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
      this.pump();
      return;
    }
    const cur = this.current;
    if (!cur) return;
    const answer = cur.frame.line(line, marker);
    if (!answer) return;
    this.current = null;
    clearTimeout(cur.deadline);
    if (answer instanceof Error) cur.reject(new ExecError(answer.message));
    else cur.resolve(answer);
    this.pump();
  }
}

function writeAll(fd: number, data: Buffer): void {
  write(fd, data, 0, data.length, null, (err, n) => {
    if (err && (err as NodeJS.ErrnoException).code === "EAGAIN") setTimeout(() => writeAll(fd, data), 5);
    else if (!err && n < data.length) writeAll(fd, data.subarray(n));
  });
}
