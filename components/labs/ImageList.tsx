"use client";
import { useState } from "react";
import type { ImageInfo } from "@/server/engine/build/image-service";
import { useMe } from "../client/account";
import { api } from "../client/api";
import { useImages } from "../client/images";
import { ImageRecipeForm } from "./ImageRecipeForm";

function stateOf(i: ImageInfo): string {
  const b = i.build;
  if (b.state === "building") return `building: step ${b.progress?.step ?? 1} of ${b.progress?.steps ?? 4}, ${b.progress?.label ?? "starting"}`;
  if (b.state === "failed") return i.ready ? "rebuild failed (the older image is used)" : "build failed";
  if (!i.ready) return "not built";
  return i.current ? "ready" : "ready (an older build)";
}

const mib = (bytes: number | null) => (bytes === null ? "—" : `${Math.round(bytes / 2 ** 20)} MiB`);

/** What a user recipe holds, for the row's tooltip. */
const recipeOf = (i: ImageInfo) => [`Debian ${i.suite}`, `packages: ${i.packages.join(", ")}`, ...(i.files.length ? [`files: ${i.files.join(", ")}`] : []), `memory: ${i.memoryMiB}M`].join("\n");

/**
 * The labs page's images: what nodes can boot, how big, since when, and
 * their builds; users' recipes among them, added and removed here by those
 * who may build images.
 */
export function ImageList() {
  const images = useImages();
  const mayBuild = !!useMe()?.privileges.includes("Image.Build");
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  if (!images) return null;
  const build = (name: string) => {
    setError(null);
    api.buildImage(name).catch((e: Error) => setError(e.message));
  };
  const remove = (name: string) => {
    setError(null);
    setRemoving(null);
    api.removeImage(name).catch((e: Error) => setError(e.message));
  };
  return (
    <section className="images" aria-label="Images">
      <h2>Images</h2>
      <table>
        <thead>
          <tr>
            <th>Image</th>
            <th>State</th>
            <th>Size</th>
            <th>Built</th>
            <th>Contents</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {images.map((i) => (
            <tr key={i.name} data-testid={`image-${i.name}`}>
              <td>
                {i.name}
                {i.custom && <small className="custom"> custom</small>}
              </td>
              <td className={i.build.state === "failed" ? "error" : undefined} title={i.build.error ?? undefined}>
                {stateOf(i)}
              </td>
              <td>{mib(i.bytes)}</td>
              <td>{i.builtAt ? new Date(i.builtAt).toLocaleString() : "—"}</td>
              <td title={i.custom ? recipeOf(i) : undefined}>{i.description}</td>
              <td>
                {mayBuild && i.name !== "busybox" && (!i.current || i.build.state === "failed") && (
                  <button type="button" disabled={i.build.state === "building"} onClick={() => build(i.name)}>
                    {i.ready ? "Rebuild" : "Build"}
                  </button>
                )}
                {mayBuild && i.custom && (
                  <button type="button" className="danger" onClick={() => setRemoving(i.name)}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {images.some((i) => i.build.state === "failed") && (
        <pre className="error build-error">{images.filter((i) => i.build.state === "failed").map((i) => `${i.name}: ${i.build.error}`).join("\n\n")}</pre>
      )}
      {error && <p className="error">{error}</p>}
      {mayBuild && <ImageRecipeForm />}
      {removing && (
        <div className="modal" role="dialog" aria-label={`Remove image ${removing}`}>
          <div className="modal-box">
            <h2>Remove image {removing}?</h2>
            <p>Its recipe and every build of it are removed (a build running is cancelled). A node whose disk was made over it starts again only once wiped and given another image.</p>
            <div className="actions">
              <button type="button" onClick={() => setRemoving(null)}>
                Cancel
              </button>
              <button type="button" className="danger" onClick={() => remove(removing)}>
                Remove
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
