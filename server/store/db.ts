import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { migrate } from "./migrate";

export type Db = InstanceType<typeof PrismaClient>;

export function databasePath(root: string): string {
  return join(root, "umlab.db");
}

/** Opens (and brings up to date) the database under the data root. */
export function openDb(root: string): Db {
  const path = databasePath(root);
  mkdirSync(dirname(path), { recursive: true });
  migrate(path);
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${path}` }) });
}
