import { EventEmitter } from "node:events";
import { BadRequestError } from "../../api/http";
import { imageRecipeSchema, recipeProblems, type ImageRecipe } from "../../model/image-recipe";
import { ConflictError, NotFoundError } from "../../store/lab-store";
import { busyboxImage } from "../image/busybox";
import { buildDebianImage, builtImages, debianPlan, umlabGuestPaths } from "../image/debian";
import { builtinImageNames, ImageError, imageNames, imageRecipe } from "../image/images";
import { mergeDisk, mergedImage, mergedImages, registerImage, removeMergedImage, type MergedImage } from "../image/merged";
import { debianRecipes, type DebianRecipe } from "../image/recipes";
import { imageBytes } from "../image/size";
import { buildRecipe, removeImageFiles, removeUserRecipe, saveUserRecipe, userRecipe, userRecipes } from "../image/user-recipes";
import { BuildJob, type BuildState } from "./build-job";

export interface ImageInfo {
  name: string;
  description: string;
  /** A user's recipe (removable), not one of umlab's images. */
  custom: boolean;
  /** The Debian release and the packages asked for (a user recipe's own, over the host image's); null and none for busybox. */
  suite: string | null;
  packages: string[];
  /** The guest paths of a user recipe's files. */
  files: string[];
  /** A node of this image can start now. */
  ready: boolean;
  /** The image built for the current recipe (false: an older build is used until the new one is done). */
  current: boolean;
  bytes: number | null;
  builtAt: string | null;
  /** The memory nodes of this image need at least. */
  memoryMiB: number;
  build: BuildState;
  /** An image merged from a node's disk: the image it lay over, and the node. */
  merged?: { parent: string; lab: string; node: string };
}

export interface ImageStatus {
  name: string;
  build: BuildState;
}

const IDLE: BuildState = { state: "idle", progress: null, error: null, startedAt: null };

/**
 * The images nodes boot: busybox, umlab's Debian images and users' recipes,
 * and background builds of the Debian ones: the console never waits for
 * them. Events: "status" (ImageStatus).
 */
export class ImageService extends EventEmitter {
  private readonly jobs = new Map<string, BuildJob>();
  private readonly aborts = new Map<string, AbortController>();

  /**
   * `inUse(name)`: the running nodes ("lab/node") booted from an image, which
   * then is not removed. `builder` builds (tests give one that builds nothing).
   */
  constructor(
    private readonly root: string,
    private readonly inUse: (image: string) => Promise<string[]> = () => Promise.resolve([]),
    private readonly builder: typeof buildDebianImage = buildDebianImage,
  ) {
    super();
  }

  list(): ImageInfo[] {
    const busybox = busyboxImage(this.root);
    const infos: ImageInfo[] = [
      { name: "busybox", description: "busybox-static: a shell, ip, ping, nc, udhcpc — boots fastest", custom: false, suite: null, packages: [], files: [], ready: true, current: true, bytes: imageBytes(busybox), builtAt: null, memoryMiB: 32, build: { ...IDLE, state: "done" } },
    ];
    for (const recipe of debianRecipes) infos.push(this.info(recipe, { custom: false, packages: recipe.packages }));
    for (const mine of userRecipes(this.root)) infos.push(this.info(buildRecipe(mine), { custom: true, packages: mine.packages }));
    for (const m of mergedImages(this.root))
      infos.push({
        name: m.name,
        description: m.carried
          ? `came in lab ${m.carried.lab}'s archive${m.carried.image === m.name ? "" : ` (as ${m.carried.image})`}, over ${m.parent}`
          : `node ${m.from.node} of lab ${m.from.lab}, merged over ${m.parent}`,
        custom: true,
        suite: null,
        packages: [],
        files: [],
        ready: true,
        current: true,
        bytes: m.bytes,
        builtAt: m.createdAt,
        memoryMiB: m.memoryMiB,
        build: { ...IDLE, state: "done" },
        merged: { parent: m.parent, lab: m.from.lab, node: m.from.node },
      });
    return infos;
  }

  private info(recipe: DebianRecipe, shown: { custom: boolean; packages: string[] }): ImageInfo {
    const built = builtImages(this.root, recipe.name);
    const id = debianPlan(this.root, recipe).id;
    const image = built.find((b) => b.id === id) ?? built[0];
    return {
      name: recipe.name,
      description: recipe.description,
      ...shown,
      suite: recipe.suite,
      files: Object.keys(recipe.files ?? {}).sort(),
      ready: !!image,
      current: image?.id === id,
      bytes: image?.bytes ?? null,
      builtAt: image?.builtAt ?? null,
      memoryMiB: recipe.memoryMiB,
      build: this.jobs.get(recipe.name)?.state ?? IDLE,
    };
  }

  /** Starts building an image in the background unless it is built for its current recipe or being built. */
  build(name: string): ImageStatus {
    const recipe = imageRecipe(this.root, name);
    if (!recipe) {
      if (name === "busybox" || mergedImage(this.root, name)) return { name, build: { ...IDLE, state: "done" } };
      throw new NotFoundError(`no recipe builds an image "${name}" (recipes: ${imageNames(this.root).join(", ")})`);
    }
    const job = this.job(name);
    const current = builtImages(this.root, name).some((b) => b.id === debianPlan(this.root, recipe).id);
    if (!job.busy && !current) {
      const abort = new AbortController();
      this.aborts.set(name, abort);
      job.start((onProgress) => this.builder(this.root, recipe, onProgress, abort.signal));
    }
    return { name, build: current && !job.busy ? { ...job.state, state: "done" } : job.state };
  }

  /**
   * Keeps a user's recipe and starts building its image. A name of umlab's
   * own images, or files over umlab's own in the guest, are refused (400); a
   * recipe of that name already there is a ConflictError.
   */
  add(input: ImageRecipe): ImageStatus {
    const parsed = imageRecipeSchema.safeParse(input);
    if (!parsed.success) throw new BadRequestError(`not a valid image recipe: ${recipeProblems(parsed.error)}`);
    const recipe = parsed.data;
    if (builtinImageNames().includes(recipe.name)) throw new BadRequestError(`"${recipe.name}" is one of umlab's own images (${builtinImageNames().join(", ")}): give the recipe another name`);
    if (mergedImage(this.root, recipe.name)) throw new ConflictError(`there is an image "${recipe.name}" merged from a node's disk: give the recipe another name`);
    const umlab = umlabGuestPaths(this.root);
    const clash = Object.keys(recipe.files).find((p) => umlab.some((u) => p === u || u.startsWith(`${p}/`) || p.startsWith(`${u}/`)) || p.startsWith("/etc/umlab/"));
    if (clash) throw new BadRequestError(`file path "${clash}" is one of umlab's own files in the guest (its init, exec agent and service shims): a recipe cannot replace it`);
    saveUserRecipe(this.root, recipe);
    return this.build(recipe.name);
  }

  /**
   * Removes a user's recipe and every image built from it; its build, if
   * running, is cancelled. Not while a running node boots from it
   * (ConflictError), nor umlab's own images (400).
   */
  async remove(name: string): Promise<{ removed: string; cancelled: boolean; images: number }> {
    if (builtinImageNames().includes(name)) throw new BadRequestError(`"${name}" is one of umlab's own images: only images of user recipes can be removed`);
    if (mergedImage(this.root, name)) {
      const users = await this.inUse(name);
      if (users.length) throw new ConflictError(`image "${name}" is in use by ${users.join(", ")}: stop ${users.length > 1 ? "them" : "it"} first`);
      removeMergedImage(this.root, name);
      this.emit("status", { name, build: IDLE } satisfies ImageStatus);
      return { removed: name, cancelled: false, images: 1 };
    }
    if (!userRecipe(this.root, name)) throw new NotFoundError(`there is no image recipe "${name}" (\`umlab image ls\` lists them)`);
    const users = await this.inUse(name);
    if (users.length) throw new ConflictError(`image "${name}" is in use by ${users.join(", ")}: stop ${users.length > 1 ? "them" : "it"} first`);
    const job = this.jobs.get(name);
    const cancelled = !!job?.busy;
    if (job?.busy) {
      this.aborts.get(name)?.abort();
      await job.settled();
    }
    this.jobs.delete(name);
    this.aborts.delete(name);
    removeUserRecipe(this.root, name);
    const images = removeImageFiles(this.root, name);
    // Lists that show the image take it away when they hear its build is no more.
    this.emit("status", { name, build: IDLE } satisfies ImageStatus);
    return { removed: name, cancelled, images };
  }

  /**
   * A new image from a node's disk (its COW folded over `backing`, the file
   * of image `parent`); the name must be free. Lists hear of it as a finished build.
   */
  async merge(req: { name: string; cow: string; backing: string; parent: string; from: { lab: string; node: string } }): Promise<MergedImage> {
    if (imageNames(this.root).includes(req.name)) throw new ConflictError(`there is an image "${req.name}" already: give the merged image another name`);
    const parentMemory = this.list().find((i) => i.name === req.parent)?.memoryMiB ?? 64;
    const m = await mergeDisk(this.root, { ...req, memoryMiB: parentMemory });
    this.emit("status", { name: m.name, build: { ...IDLE, state: "done" } } satisfies ImageStatus);
    return m;
  }

  /**
   * Installs an image a lab archive carried (its file, verified, moved in)
   * as a merged one; the name must be free. Lists hear of it as a finished build.
   */
  carry(req: { name: string; file: string; parent: string; from: { lab: string; node: string }; memoryMiB: number; carried: { lab: string; image: string } }): MergedImage {
    if (imageNames(this.root).includes(req.name)) throw new ConflictError(`there is an image "${req.name}" already`);
    const { file, ...rec } = req;
    const m = registerImage(this.root, { ...rec, createdAt: new Date().toISOString() }, file);
    this.emit("status", { name: m.name, build: { ...IDLE, state: "done" } } satisfies ImageStatus);
    return m;
  }

  /** Builds every Debian image not built for its current recipe (umlab's, then users'), one after another. */
  async buildMissing(): Promise<void> {
    for (const name of [...debianRecipes.map((r) => r.name), ...userRecipes(this.root).map((r) => r.name)]) {
      // A recipe removed meanwhile is skipped.
      if (!imageRecipe(this.root, name)) continue;
      this.build(name);
      await this.job(name).settled();
    }
  }

  /**
   * Throws an ImageError, naming what to wait for, when one of these images
   * cannot boot yet, after starting its build: pressing Start on a lab whose
   * image is missing starts building it.
   */
  assertReady(names: Iterable<string>): void {
    const infos = new Map(this.list().map((i) => [i.name, i]));
    for (const name of new Set(names)) {
      const info = infos.get(name);
      if (!info || info.ready) continue;
      const { build } = this.build(name);
      const step = build.progress ? `, step ${build.progress.step} of ${build.progress.steps}: ${build.progress.label}` : "";
      throw new ImageError(`image "${name}" is not built yet; it is being built now (about a minute${step}): start again when it is ready (labs page, \`umlab image ls\`)`);
    }
  }

  async settled(name: string): Promise<BuildState> {
    return (await this.jobs.get(name)?.settled()) ?? IDLE;
  }

  /** Cancels running builds (the engine is stopping): no mmdebstrap outlives it. */
  async cancel(): Promise<void> {
    for (const a of this.aborts.values()) a.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.settled()));
  }

  private job(name: string): BuildJob {
    let job = this.jobs.get(name);
    if (!job) {
      job = new BuildJob((build) => this.emit("status", { name, build } satisfies ImageStatus));
      this.jobs.set(name, job);
    }
    return job;
  }
}
