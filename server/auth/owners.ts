import type { Db } from "../store/db";

/**
 * Who owns a build (a custom kernel, an image build someone asked for). Labs
 * carry their owner in their own row; builds live as files, so their owners
 * are kept here, one settings row each.
 */
export class Owners {
  constructor(private readonly db: Db) {}

  private key = (kind: "kernel" | "image", name: string) => `owner:${kind}:${name}`;

  async of(kind: "kernel" | "image", name: string): Promise<string | null> {
    return (await this.db.setting.findUnique({ where: { key: this.key(kind, name) } }))?.value ?? null;
  }

  async set(kind: "kernel" | "image", name: string, owner: string): Promise<void> {
    const key = this.key(kind, name);
    await this.db.setting.upsert({ where: { key }, create: { key, value: owner }, update: { value: owner } });
  }

  async forget(kind: "kernel" | "image", name: string): Promise<void> {
    await this.db.setting.deleteMany({ where: { key: this.key(kind, name) } });
  }
}
