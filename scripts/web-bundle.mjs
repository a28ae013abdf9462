// The web server (server/main.ts) as one ES module, built with esbuild.
//
// Why: run through tsx, the web server took about 2.9 s to import before it
// could answer a socket, most of it tsx's loader hooks on each of
// better-auth's several hundred modules. Bundled (our TypeScript and the
// plain JavaScript packages in one file; see EXTERNAL for what Node loads
// itself) it is serving in about 1.3 s, and a restarted console has its
// terminals back sooner (docs/BENCHMARKS.md). `npm run dev` still runs the
// sources through tsx.
//
// The bundle is rebuilt whenever a file under server/, the lock file or
// tsconfig.json changes (a hash of them sits beside it), so a test never runs
// an old server. Writers race harmlessly: each writes a file of its own and
// renames it into place.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname, "..");
const OUT_DIR = join(ROOT, ".umlab", "web");
export const WEB_BUNDLE = join(OUT_DIR, "main.mjs");
const STAMP = join(OUT_DIR, "main.hash");
const EXTERNAL = ["next", "next/*", "node-pty", "better-sqlite3", "@prisma/*", "socket.io", "@xterm/*", "esbuild"];

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

function inputsHash() {
  const h = createHash("sha256");
  const inputs = [...files(join(ROOT, "server")), join(ROOT, "package-lock.json"), join(ROOT, "tsconfig.json"), import.meta.filename].filter(existsSync).sort();
  for (const f of inputs) h.update(f).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/**
 * Each module's own location, written into the bundle: server code finds its
 * C sources, migrations and samples next to itself (import.meta.dirname),
 * which in one bundled file would all point at the bundle.
 */
const ownLocation = {
  name: "own-location",
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const contents = source
        .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)))
        .replaceAll("import.meta.filename", JSON.stringify(args.path))
        .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: "ts" };
    });
  },
};

/** The bundle's path, built first if it is missing or older than the sources. */
export async function webBundle() {
  const hash = inputsHash();
  if (existsSync(WEB_BUNDLE) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === hash) return WEB_BUNDLE;
  const { build } = await import("esbuild");
  mkdirSync(OUT_DIR, { recursive: true });
  // Built under its own name (the bundle names its map), in a folder of this process's.
  const tmpDir = join(OUT_DIR, `build-${process.pid}`);
  const tmp = join(tmpDir, "main.mjs");
  await build({
    entryPoints: [join(ROOT, "server", "main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Bundled too: the packages of plain JavaScript (better-auth's several hundred modules take
    // 0.9 s to import one by one, 0.2 s as part of the bundle). Left for Node to load: the native
    // ones, Next (it finds its files beside it) and Prisma's runtime (its query compiler).
    external: EXTERNAL,
    banner: { js: 'import { createRequire as __umlabRequire } from "node:module"; const require = __umlabRequire(import.meta.url);' },
    // Beside it, not loaded: Node's --enable-source-maps would read all of it at each start (0.35 s).
    // Without, a stack trace names the bundle's lines, each module marked there by its path.
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [ownLocation],
  });
  renameSync(`${tmp}.map`, `${WEB_BUNDLE}.map`);
  renameSync(tmp, WEB_BUNDLE);
  rmSync(tmpDir, { recursive: true, force: true });
  const stampTmp = `${STAMP}.${process.pid}.tmp`;
  writeFileSync(stampTmp, hash);
  renameSync(stampTmp, STAMP);
  return WEB_BUNDLE;
}

if (import.meta.filename === process.argv[1]) console.log(await webBundle());
