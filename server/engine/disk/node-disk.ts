import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A node's writable disk: a sparse COW file over a shared image, kept across
 * stops. It remembers the image it was made over (`<node>.backing`), so a
 * rebuilt image never invalidates a disk made over the old one.
 */
export class NodeDisk {
  constructor(
    private readonly disksDir: string,
    private readonly node: string,
  ) {}

  /** The nodes that have a disk (or its record) in a lab's disks folder. */
  static nodesIn(disksDir: string): string[] {
    const names = readdirSync(disksDir).flatMap((f) => /^(.+)\.(cow|backing)$/.exec(f)?.[1] ?? []);
    return [...new Set(names)];
  }

  get cow(): string {
    return join(this.disksDir, `${this.node}.cow`);
  }

  /** The record of the image under the COW. */
  get record(): string {
    return join(this.disksDir, `${this.node}.backing`);
  }

  /** The image under the COW: the one it was made over (or the path of it, gone), or `fresh()` for a new disk. */
  backing(fresh: () => string): { image: string } | { gone: string } {
    if (existsSync(this.cow) && existsSync(this.record)) {
      const previous = readFileSync(this.record, "utf8").trim();
      return existsSync(previous) ? { image: previous } : { gone: previous };
    }
    const image = fresh();
    mkdirSync(this.disksDir, { recursive: true });
    rmSync(this.cow, { force: true });
    writeFileSync(this.record, `${image}\n`);
    return { image };
  }

  wipe(): void {
    rmSync(this.cow, { force: true });
    rmSync(this.record, { force: true });
  }
}
