import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { parseLabYaml } from "../labfile/labyaml";
import { databasePath, openDb } from "./db";
import { LabStore } from "./lab-store";
import { migrate } from "./migrate";

describe("lab store (Prisma on SQLite, migrations applied offline)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-store-"));
  const db = openDb(root);
  const store = new LabStore(db);
  after(async () => {
    await db.$disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it("records applied migrations the way Prisma does and applies each once", () => {
    const rows = new Database(databasePath(root)).prepare("SELECT migration_name, finished_at FROM _prisma_migrations").all() as { migration_name: string }[];
    assert.deepEqual(rows.map((r) => r.migration_name), ["20261126000000_init", "20261130000000_accounts", "20261130190000_share_links", "20261130200000_classes"]);
    assert.deepEqual(migrate(databasePath(root)), []);
  });

  it("creates, finds by id and name, updates and removes labs", async () => {
    const lab = parseLabYaml("umlab: 1\nname: alpha\nnodes:\n  a: { eth: [s] }\nswitches:\n  s: {}\n");
    const created = await store.create(lab, "user-1");
    assert.equal(created.owner, "user-1");
    assert.deepEqual(created.lab, lab);
    assert.equal((await store.get(created.id)).name, "alpha");
    assert.equal((await store.get("alpha")).id, created.id);
    await assert.rejects(store.create(lab, "user-1"), /already exists/);
    const renamed = await store.update(created.id, { ...lab, name: "beta" });
    assert.equal(renamed.name, "beta");
    assert.deepEqual((await store.list()).map((l) => l.name), ["beta"]);
    await store.remove("beta");
    await assert.rejects(store.get("beta"), /no lab "beta"/);
  });
});
