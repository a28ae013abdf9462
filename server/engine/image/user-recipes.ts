import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { describeRecipe, imageRecipeSchema, type ImageRecipe } from "../../model/image-recipe";
import { isValidName } from "../../model/names";
import { ConflictError } from "../../store/lab-store";
import { imagesDir } from "../paths";
import { debianRecipe, type DebianRecipe } from "./recipes";

/**
 * Users' image recipes: engine data, one file each under the data root
 * (recipes/<name>.json), so the engine that builds and boots the images
 * knows them whichever web server added them.
 */
export interface UserRecipe extends ImageRecipe {
  description: string;
  createdAt: string;
}

const recipesDir = (root: string) => join(root, "recipes");
const recipeFile = (root: string, name: string) => join(recipesDir(root), `${name}.json`);
const stored = imageRecipeSchema.extend({ description: z.string(), createdAt: z.string() });

/** A user recipe by name; undefined when there is none (or its file is not one: hand-edited, half-written by another tool). */
export function userRecipe(root: string, name: string): UserRecipe | undefined {
  if (!isValidName(name)) return undefined;
  const file = recipeFile(root, name);
  if (!existsSync(file)) return undefined;
  try {
    const r = stored.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return r.success && r.data.name === name ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Every user recipe, by name. */
export function userRecipes(root: string): UserRecipe[] {
  const dir = recipesDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => (f.endsWith(".json") ? (userRecipe(root, f.slice(0, -".json".length)) ?? []) : []))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Keeps a new recipe. Written to a temporary file and linked into place, so
 * a reader never sees half a recipe and two adds of one name cannot both
 * win: the second is a ConflictError.
 */
export function saveUserRecipe(root: string, recipe: ImageRecipe, now = new Date()): UserRecipe {
  const saved: UserRecipe = { ...recipe, description: recipe.description ?? describeRecipe(recipe), createdAt: now.toISOString() };
  mkdirSync(recipesDir(root), { recursive: true });
  const file = recipeFile(root, recipe.name);
  const tmp = `${file}.${process.pid}.${now.getTime()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(saved, null, 2)}\n`);
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new ConflictError(`there is an image recipe "${recipe.name}" already: remove it first (\`umlab image rm ${recipe.name}\`) to make it anew`);
    throw e;
  } finally {
    unlinkSync(tmp);
  }
  return saved;
}

/** Forgets a recipe; false when there was none. */
export function removeUserRecipe(root: string, name: string): boolean {
  if (!isValidName(name)) return false;
  const file = recipeFile(root, name);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}

/**
 * Every file a recipe's builds left: images, their metadata and logs, a
 * build's work folder. By the exact shape of their names (NAME-HASH), so
 * the recipe "web" never takes the files of "web-proxy".
 */
export function removeImageFiles(root: string, name: string): number {
  const dir = imagesDir(root);
  if (!isValidName(name) || !existsSync(dir)) return 0;
  const ours = new RegExp(`^(?:${name}-[0-9a-f]{12}\\.(?:img|json|log)|\\.build-${name}-[0-9a-f]{12})$`);
  let removed = 0;
  for (const f of readdirSync(dir)) {
    if (!ours.test(f)) continue;
    rmSync(join(dir, f), { recursive: true, force: true });
    if (f.endsWith(".img")) removed++;
  }
  return removed;
}

/**
 * The recipe the image is built from: the host image's packages (what lab
 * scripts call: ip, ping, tcpdump, ...) and the user's, with the user's files.
 */
export function buildRecipe(r: UserRecipe): DebianRecipe {
  const host = debianRecipe("host")?.packages ?? [];
  return { name: r.name, description: r.description, suite: r.suite, packages: [...new Set([...host, ...r.packages])], memoryMiB: r.memoryMiB, files: r.files };
}
