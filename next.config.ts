import type { NextConfig } from "next";

const config: NextConfig = {
  // Native modules and the engine stay outside the bundle; route handlers
  // reach the engine through server/api/registry.ts.
  serverExternalPackages: ["node-pty", "better-sqlite3", "@prisma/client", "@prisma/adapter-better-sqlite3"],
  typescript: { ignoreBuildErrors: false },
};

export default config;
