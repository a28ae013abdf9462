import { closeSync } from "node:fs";
import { createRequire } from "node:module";
import { ReadStream } from "node:tty";

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}
const nativePty = createRequire(import.meta.url)("node-pty/build/Release/pty.node") as NativePty;

/**
 * A pty pair the engine makes before a guest boots (the exec channel, a
 * serial line): the guest gets the slave's path (`sslN=tty:PATH`), the
 * engine reads the master (`reader`) and writes to its descriptor. The slave
 * is raw on the host's side (no echo, no line editing, no CR/LF
 * translation: the guest's own tty does those) and held open, so the master
 * never sees the guest go.
 */
export class RawPty {
  readonly ttyPath: string;
  readonly master: number;
  readonly reader: ReadStream;
  private readonly slave: number;
  private readonly slaveStream: ReadStream;

  constructor() {
    const { master, slave, pty } = nativePty.open(80, 24);
    this.master = master;
    this.slave = slave;
    this.ttyPath = pty;
    this.slaveStream = new ReadStream(slave);
    this.slaveStream.setRawMode(true);
    this.slaveStream.on("error", () => {});
    this.reader = new ReadStream(master);
    this.reader.on("error", () => {});
  }

  close(): void {
    this.reader.destroy();
    this.slaveStream.destroy();
    // libuv reopens a tty it is given and works on its own descriptor, leaving ours open: without this every
    // node start kept a pty, and a host runs out of them (pty/max) after a few thousand. The master it uses
    // as it is, and destroying its stream closed it.
    try {
      closeSync(this.slave);
    } catch {
      // already closed
    }
  }
}
