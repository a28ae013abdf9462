import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EngineApi } from "./api";
import type { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import { LabRunError } from "./lab-run";
import { dataRoot, transferDir } from "./paths";
import type { CaptureInfo, CaptureRequest, PacketRow } from "./capture/types";

type CaptureApi = Pick<EngineApi, "startCapture" | "stopCapture" | "removeCapture" | "watchCapture" | "captureRecent" | "exportCapture">;

/**
 * The engine commands about a running lab's captures (capture/captures.ts).
 * A capture's pcapng goes to the server as a file under the data root's
 * transfer folder, as whole-lab archives do.
 */
export class CaptureCommands implements CaptureApi {
  constructor(
    private readonly engine: Engine,
    private readonly root = dataRoot(),
  ) {}

  startCapture(id: string, req: CaptureRequest): Promise<CaptureInfo> {
    return this.up(id).captures.start(req);
  }

  stopCapture(id: string, capture: string): Promise<CaptureInfo> {
    return this.up(id).captures.stop(capture);
  }

  removeCapture(id: string, capture: string): Promise<void> {
    return this.up(id).captures.remove(capture);
  }

  watchCapture(id: string, capture: string, on: boolean): Promise<void> {
    this.up(id).captures.watch(capture, on);
    return Promise.resolve();
  }

  captureRecent(id: string, capture: string): Promise<{ info: CaptureInfo; rows: PacketRow[] }> {
    return Promise.resolve(this.up(id).captures.recent(capture));
  }

  async exportCapture(id: string, capture: string, token: string): Promise<{ file: string; bytes: number; format: "pcapng" | "text" }> {
    const dir = transferDir(this.root);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const captures = this.up(id).captures;
    const format = captures.format(capture);
    const file = join(dir, `${token}.${format === "text" ? "txt" : "pcapng"}`);
    try {
      return { file, bytes: await captures.writeExport(capture, file), format };
    } catch (e) {
      rmSync(file, { force: true });
      throw e;
    }
  }

  private up(id: string): LabRun {
    const run = this.engine.run(id);
    if (!run?.up) throw new LabRunError(`lab ${run?.lab.name ?? id} is not running: captures live with their lab`);
    return run;
  }
}
