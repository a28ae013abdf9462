import { EventEmitter } from "node:events";
import { busyboxImage } from "../image/busybox";
import { buildDebianImage, builtImages, debianPlan } from "../image/debian";
import { ImageError } from "../image/images";
import { debianRecipe, debianRecipes } from "../image/recipes";
import { imageBytes } from "../image/size";
import { BuildJob, type BuildState } from "./build-job";

export interface ImageInfo {
  name: string;
  description: string;
  /** A node of this image can start now. */
  ready: boolean;
  /** The image built for the current recipe (false: an older build is used until the new one is done). */
  current: boolean;
  bytes: number | null;
  builtAt: string | null;
  /** The memory nodes of this image need at least. */
  memoryMiB: number;
  build: BuildState;
}

export interface ImageStatus {
  name: string;
  build: BuildState;
}

const IDLE: BuildState = { state: "idle", progress: null, error: null, startedAt: null };

/**
 * The images nodes boot, and background builds of the Debian ones: the
 * console never waits for them. Events: "status" (ImageStatus).
 */
export class ImageService extends EventEmitter {
  private readonly jobs = new Map<string, BuildJob>();

  constructor(private readonly root: string) {
    super();
  }

  list(): ImageInfo[] {
    const busybox = busyboxImage(this.root);
    const infos: ImageInfo[] = [
      { name: "busybox", description: "busybox-static: a shell, ip, ping, nc, udhcpc — boots fastest", ready: true, current: true, bytes: imageBytes(busybox), builtAt: null, memoryMiB: 32, build: { ...IDLE, state: "done" } },
    ];
    for (const recipe of debianRecipes) {
      const built = builtImages(this.root, recipe.name);
      const id = debianPlan(this.root, recipe).id;
      const image = built.find((b) => b.id === id) ?? built[0];
      infos.push({
        name: recipe.name,
        description: recipe.description,
        ready: !!image,
        current: image?.id === id,
        bytes: image?.bytes ?? null,
        builtAt: image?.builtAt ?? null,
        memoryMiB: recipe.memoryMiB,
        build: this.jobs.get(recipe.name)?.state ?? IDLE,
      });
    }
    return infos;
  }

  /** Starts building an image in the background unless it is built for its current recipe or being built. */
  build(name: string): ImageStatus {
    const recipe = debianRecipe(name);
    if (!recipe) {
      if (name === "busybox") return { name, build: { ...IDLE, state: "done" } };
      throw new ImageError(`no recipe builds an image "${name}" (recipes: busybox, ${debianRecipes.map((r) => r.name).join(", ")})`);
    }
    const job = this.job(name);
    const current = builtImages(this.root, name).some((b) => b.id === debianPlan(this.root, recipe).id);
    if (!job.busy && !current) job.start((onProgress) => buildDebianImage(this.root, recipe, onProgress));
    return { name, build: current && !job.busy ? { ...job.state, state: "done" } : job.state };
  }

  /** Builds every Debian image not built for its current recipe, one after another. */
  async buildMissing(): Promise<void> {
    for (const recipe of debianRecipes) {
      this.build(recipe.name);
      await this.job(recipe.name).settled();
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

  private job(name: string): BuildJob {
    let job = this.jobs.get(name);
    if (!job) {
      job = new BuildJob((build) => this.emit("status", { name, build } satisfies ImageStatus));
      this.jobs.set(name, job);
    }
    return job;
  }
}
