"use client";
import { useEffect, useState } from "react";
import type { ImageInfo, ImageStatus } from "@/server/engine/build/image-service";
import { api } from "./api";
import { followBuilds } from "./builds-feed";

/**
 * The images nodes can boot, kept current while builds run (socket
 * `image:status`). A build of an image the list lacks (a recipe just added)
 * or one that ends (a recipe removed ends its build) asks for the list again.
 */
export function useImages(): ImageInfo[] | null {
  const [images, setImages] = useState<ImageInfo[] | null>(null);
  useEffect(() => {
    let listed = new Set<string>();
    return followBuilds(
      api.images,
      "image:status",
      (r) => {
        listed = new Set(r.images.map((i) => i.name));
        setImages(r.images);
      },
      (s: ImageStatus & { rev: number }) => {
        setImages((list) => list?.map((i) => (i.name === s.name ? { ...i, build: s.build } : i)) ?? list);
        return s.build.state !== "building" || !listed.has(s.name);
      },
    );
  }, []);
  return images;
}
