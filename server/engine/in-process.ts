import { Engine } from "./engine";
import { LocalEngine } from "./local-engine";
import { beginServing, endServing } from "./serving";
import { engineFiles } from "./remote/engine-files";
import { engineAnswers, releaseEngineLock, takeEngineLock } from "./remote/engine-lock";

/**
 * The engine inside the web server (UMLAB_ENGINE=inprocess): one process,
 * and its labs end with it. For a laptop that wants one process, and for
 * the bench, which measures the engine process's hop against it. It is
 * still the data root's one engine: it holds the same lock, and refuses to
 * start beside an engine process.
 */
export class InProcessEngine extends LocalEngine {
  private constructor(
    engine: Engine,
    private readonly lock: string,
  ) {
    super(engine);
  }

  static async open(root: string, log: (line: string) => void): Promise<InProcessEngine> {
    const files = engineFiles(root);
    if (!takeEngineLock(files.lock) || (await engineAnswers(files.socket))) {
      releaseEngineLock(files.lock);
      throw new Error(`an engine runs for ${root} already: UMLAB_ENGINE=inprocess needs it stopped (npm run engine:stop)`);
    }
    const local = new InProcessEngine(new Engine(root), files.lock);
    await beginServing(local, (line) => log(`umlab: ${line}`));
    log(`umlab: the engine runs in this process (UMLAB_ENGINE=inprocess): its labs end with it`);
    return local;
  }

  /** Lab failures this process's crash guard finds. */
  fail(lab: string, reason: string): void {
    this.engine.fail(lab, reason);
  }

  /** Ends every lab and any build. */
  async close(): Promise<void> {
    await endServing(this);
    releaseEngineLock(this.lock);
  }
}
