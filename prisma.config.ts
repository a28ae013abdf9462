import path from "node:path";
import { defineConfig } from "prisma/config";

const dataRoot = path.resolve(process.env.UMLAB_DATA ?? ".umlab");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: `file:${path.join(dataRoot, "umlab.db")}` },
});
