import { join } from "node:path";
import { secretFile } from "../../secret-file";

/** Where an engine keeps what its web servers need to find it, in the data root it serves. */
export const engineFiles = (root: string) => ({
  /** Its unix socket (mode 0600). */
  socket: join(root, "engine.sock"),
  /** The secret every client proves it knows (mode 0600); UMLAB_ENGINE_SECRET instead when set. */
  secret: join(root, "engine.secret"),
  /** Its pid, while it runs. */
  pid: join(root, "engine.pid"),
  /** Held (made exclusively) by the one engine of this data root, from its start to its end. */
  lock: join(root, "engine.lock"),
  /** Its output, when a web server started it. */
  log: join(root, "engine.log"),
});

/** The engine's shared secret: UMLAB_ENGINE_SECRET (an engine on another host), or the data root's file. */
export function engineSecret(root: string): string {
  return process.env.UMLAB_ENGINE_SECRET || secretFile(engineFiles(root).secret, 32);
}
