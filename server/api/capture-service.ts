import { randomBytes } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import { Readable } from "node:stream";
import type { Principal } from "../auth/permissions";
import { captureRequestSchema, type CaptureInfo } from "../engine/capture/types";
import { ConflictError, NotFoundError } from "../store/lab-store";
import type { LabService } from "./lab-service";

const CAPTURE_ID = /^c\d{1,6}$/;

/**
 * Captures over the HTTP API: whoever may see a lab (its owner, an admin, a
 * teacher supervising it) may capture in it while it runs. The frames stay
 * in the engine; a download is written by the engine under the transfer
 * folder and streamed from there.
 */
export class CaptureService {
  constructor(private readonly labs: LabService) {}

  async list(who: Principal, ref: string): Promise<{ captures: CaptureInfo[] }> {
    const s = await this.labs.mine(who, ref);
    return { captures: (await this.labs.engine.status(s.id, s.lab)).captures };
  }

  async start(who: Principal, ref: string, body: unknown): Promise<CaptureInfo> {
    const req = captureRequestSchema.parse(body);
    const s = await this.running(who, ref);
    return this.labs.engine.startCapture(s.id, req);
  }

  async stop(who: Principal, ref: string, capture: string): Promise<CaptureInfo> {
    const s = await this.running(who, ref, capture);
    return this.labs.engine.stopCapture(s.id, capture);
  }

  async remove(who: Principal, ref: string, capture: string): Promise<void> {
    const s = await this.running(who, ref, capture);
    await this.labs.engine.removeCapture(s.id, capture);
  }

  /** What a capture holds, while it runs (what it has so far) or after it stopped: pcapng, or text for a cable's. */
  async pcap(who: Principal, ref: string, capture: string): Promise<Response> {
    const s = await this.running(who, ref, capture);
    const token = randomBytes(16).toString("hex");
    const { file, bytes, format } = await this.labs.engine.exportCapture(s.id, capture, token);
    const info = (await this.labs.engine.status(s.id, s.lab)).captures.find((c) => c.id === capture);
    const stream = createReadStream(file);
    stream.on("close", () => rmSync(file, { force: true }));
    const label = (info?.label ?? capture).replace(/[^a-z0-9.-]+/gi, "-");
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: {
        "content-type": format === "text" ? "text/plain; charset=utf-8" : "application/x-pcapng",
        "content-length": String(bytes),
        "content-disposition": `attachment; filename="${s.name}-${label}.${format === "text" ? "txt" : "pcapng"}"`,
      },
    });
  }

  private async running(who: Principal, ref: string, capture?: string) {
    const s = await this.labs.mine(who, ref);
    if (capture !== undefined && !CAPTURE_ID.test(capture)) throw new NotFoundError(`no capture "${capture.slice(0, 40)}"`);
    if ((await this.labs.engine.running(s.id)) === null) throw new ConflictError(`lab ${s.name} is not running: captures live while their lab runs`);
    return s;
  }
}
