import { z } from "zod";
import { MAX_MEMORY_MIB, MIN_MEMORY_MIB } from "./memory";
import { nameProblem } from "./names";

/**
 * A user's guest image recipe (`umlab image add`, the labs page): Debian
 * packages and files over umlab's host image, built by the engine like the
 * built-in images and booted by nodes with `image: NAME`. Everything here
 * ends up in mmdebstrap's argv and in the image, so it is checked as data
 * before it reaches the engine, and again when the engine takes it.
 */

/** Debian releases a recipe may build on (mmdebstrap on this host knows them). */
export const IMAGE_SUITES = ["bookworm", "trixie", "bullseye"] as const;
export const DEFAULT_RECIPE_SUITE = "bookworm";
/** What a node of a recipe's image gets unless the recipe says (the host image's). */
export const DEFAULT_RECIPE_MIB = 64;

export const RECIPE_LIMITS = {
  packages: 100,
  files: 32,
  /** Each file's text, and all of them together: configuration, not payloads. */
  fileBytes: 64 * 1024,
  totalBytes: 256 * 1024,
  pathChars: 255,
  description: 200,
};

// Debian policy's package name, without the architecture or version apt
// would also take: a comma or a leading '-' would change mmdebstrap's argv.
const PACKAGE = /^[a-z0-9][a-z0-9+.-]{1,99}$/;
// Path parts are kept to characters that need no quoting: a top-level one
// appears in mmdebstrap's copy-in hook, which splits on white space.
const PATH_PART = /^[A-Za-z0-9._+@-]+$/;

/** Why a guest path cannot take a recipe's file, or null. */
export function recipePathProblem(path: string): string | null {
  if (!path.startsWith("/")) return `file path "${path}" must be absolute`;
  if (path.length > RECIPE_LIMITS.pathChars) return `file path "${path.slice(0, 40)}…" is longer than ${RECIPE_LIMITS.pathChars} characters`;
  const parts = path.split("/").slice(1);
  if (parts.some((p) => p === "" || p === "." || p === "..")) return `file path "${path}" must not contain empty, "." or ".." parts`;
  if (!parts.every((p) => PATH_PART.test(p))) return `file path "${path}" may use only letters, digits and . _ + @ -`;
  return null;
}

const byteLength = (s: string) => Buffer.byteLength(s, "utf8");

export const imageRecipeSchema = z.strictObject({
  name: z.string().superRefine((name, ctx) => {
    const p = nameProblem(name);
    if (p) ctx.addIssue({ code: "custom", message: p });
  }),
  description: z
    .string()
    .max(RECIPE_LIMITS.description, `a description has at most ${RECIPE_LIMITS.description} characters`)
    .regex(/^[^\n\r]*$/, "a description is one line")
    .optional(),
  suite: z.enum(IMAGE_SUITES, { message: `a suite is one of ${IMAGE_SUITES.join(", ")}` }).default(DEFAULT_RECIPE_SUITE),
  packages: z
    .array(
      z.string().superRefine((pkg, ctx) => {
        if (!PACKAGE.test(pkg)) ctx.addIssue({ code: "custom", message: `"${pkg.slice(0, 100)}" is not a Debian package name (lower-case letters, digits and + . -, at least 2 characters)` });
      }),
    )
    .min(1, "name at least one Debian package")
    .max(RECIPE_LIMITS.packages, `at most ${RECIPE_LIMITS.packages} packages`),
  files: z
    .record(z.string(), z.string().refine((text) => byteLength(text) <= RECIPE_LIMITS.fileBytes, `a file has at most ${RECIPE_LIMITS.fileBytes / 1024} KiB`))
    .superRefine((files, ctx) => {
      // Paths are checked here, not by the record's key schema, whose issue would not say why.
      for (const path of Object.keys(files)) {
        const p = recipePathProblem(path);
        if (p) ctx.addIssue({ code: "custom", path: [path], message: p });
      }
      const texts = Object.values(files);
      if (texts.length > RECIPE_LIMITS.files) ctx.addIssue({ code: "custom", message: `at most ${RECIPE_LIMITS.files} files` });
      if (texts.reduce((n, t) => n + byteLength(t), 0) > RECIPE_LIMITS.totalBytes) ctx.addIssue({ code: "custom", message: `the files have at most ${RECIPE_LIMITS.totalBytes / 1024} KiB together` });
    })
    .default({}),
  memoryMiB: z
    .number()
    .int("memory is a whole number of MiB")
    .min(MIN_MEMORY_MIB, `memory is at least ${MIN_MEMORY_MIB} MiB`)
    .max(MAX_MEMORY_MIB, `memory is at most ${MAX_MEMORY_MIB} MiB`)
    .default(DEFAULT_RECIPE_MIB),
});

/** A recipe as a client sends it (suite, files and memory may be left out). */
export type ImageRecipeInput = z.input<typeof imageRecipeSchema>;
/** A recipe checked, with its defaults. */
export type ImageRecipe = z.output<typeof imageRecipeSchema>;

/** A zod error of a recipe as one line a person can act on: each problem with where it is. */
export function recipeProblems(error: z.ZodError): string {
  const where = (path: PropertyKey[]) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : /^[a-zA-Z]\w*$/.test(String(p)) ? `${i ? "." : ""}${String(p)}` : `[${JSON.stringify(String(p))}]`)).join("");
  return error.issues.map((i) => (i.path.length ? `${where(i.path)}: ${i.message}` : i.message)).join("; ");
}

/** Checks a recipe; a BadRequest-shaped message otherwise. */
export function parseImageRecipe(input: unknown): { recipe: ImageRecipe } | { problem: string } {
  const r = imageRecipeSchema.safeParse(input);
  return r.success ? { recipe: r.data } : { problem: `not a valid image recipe: ${recipeProblems(r.error)}` };
}

/** What the image list says of a recipe without a description of its own. */
export function describeRecipe(r: Pick<ImageRecipe, "suite" | "packages" | "files">): string {
  const n = Object.keys(r.files).length;
  const files = n ? ` and ${n} file${n > 1 ? "s" : ""}` : "";
  return `Debian ${r.suite}, the host image's tools and ${r.packages.join(", ")}${files}`;
}
