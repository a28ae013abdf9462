import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export const MIGRATIONS_DIR = join(import.meta.dirname, "..", "..", "prisma", "migrations");

/**
 * Applies the checked-in Prisma migrations (prisma/migrations/<name>/migration.sql)
 * that a database lacks, recording them in Prisma's own `_prisma_migrations`
 * table so `prisma migrate status` agrees where Prisma's schema engine runs.
 * Why not `prisma migrate deploy`: its native schema engine is downloaded
 * from a host these machines cannot reach (docs/prisma-offline.md).
 */
export function migrate(dbPath: string, dir = MIGRATIONS_DIR): string[] {
  const db = new Database(dbPath);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" TEXT NOT NULL,
      "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL,
      "logs" TEXT,
      "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
    )`);
    const applied = new Map(
      (db.prepare(`SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
        migration_name: string;
        checksum: string;
      }[]).map((r) => [r.migration_name, r.checksum]),
    );
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => existsSync(join(dir, n, "migration.sql"))).sort() : [];
    const done: string[] = [];
    for (const name of names) {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const before = applied.get(name);
      if (before !== undefined) {
        if (before !== checksum) throw new Error(`migration ${name} was changed after it was applied to ${dbPath}; add a new migration instead`);
        continue;
      }
      db.transaction(() => {
        db.exec(sql);
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, current_timestamp, ?, current_timestamp, 1)`,
        ).run(randomUUID(), checksum, name);
      })();
      done.push(name);
    }
    return done;
  } finally {
    db.close();
  }
}
