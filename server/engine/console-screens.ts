import headless from "@xterm/headless";
import serialize from "@xterm/addon-serialize";

// Both packages are CommonJS bundles whose named exports Node cannot see: taken from their default export.
const { Terminal } = headless as unknown as typeof import("@xterm/headless");
const { SerializeAddon } = serialize as unknown as typeof import("@xterm/addon-serialize");

/** Lines above the screen a replay brings back. */
const SCROLLBACK = 500;

interface Screen {
  term: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
}

/**
 * The screens of the consoles someone looked at, kept by a terminal
 * emulator with no display (xterm's headless build) that reads everything
 * the guest writes, so a viewer that comes (a reloaded page, a web server
 * started again) gets the screen exactly as it is (colours, cursor, a
 * full-screen program), not only the tail of the raw output. A screen is
 * made at a console's first attach, from the raw output kept so far, and
 * kept from then on: consoles nobody opened cost nothing.
 */
export class ConsoleScreens {
  private readonly screens = new Map<string, Screen>();

  /** Output of a console: its screen, if it has one, reads it. */
  write(lab: string, node: string, data: string): void {
    this.screens.get(key(lab, node))?.term.write(data);
  }

  /** The screen as escape sequences that redraw it; `raw` gives the output to start from when it has none yet. */
  async snapshot(lab: string, node: string, raw: () => string, size: { cols: number; rows: number }): Promise<string> {
    let s = this.screens.get(key(lab, node));
    if (!s) {
      const term = new Terminal({ cols: size.cols, rows: size.rows, scrollback: SCROLLBACK, allowProposedApi: true });
      const serializer = new SerializeAddon();
      term.loadAddon(serializer as never);
      term.write(raw());
      s = { term, serializer };
      this.screens.set(key(lab, node), s);
    }
    // Whatever was written before is parsed before the screen is read.
    const { term, serializer } = s;
    await new Promise<void>((r) => term.write("", r));
    return serializer.serialize({ scrollback: SCROLLBACK });
  }

  resize(lab: string, node: string, cols: number, rows: number): void {
    this.screens.get(key(lab, node))?.term.resize(cols, rows);
  }

  /** A lab stopped: its screens go (its nodes' raw output starts again at their next boot). */
  dropLab(lab: string): void {
    for (const [k, s] of this.screens)
      if (k.startsWith(`${lab}\n`)) {
        s.term.dispose();
        this.screens.delete(k);
      }
  }
}

const key = (lab: string, node: string) => `${lab}\n${node}`;
