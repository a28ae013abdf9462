"use client";
import { useEffect, useState } from "react";
import type { ImageInfo, ImageStatus } from "@/server/engine/build/image-service";
import { api } from "./api";
import { followBuilds } from "./builds-feed";

/** The images nodes can boot, kept current while builds run (socket `image:status`). */
export function useImages(): ImageInfo[] | null {
  const [images, setImages] = useState<ImageInfo[] | null>(null);
  useEffect(
    () =>
      followBuilds(
        api.images,
        "image:status",
        (r) => setImages(r.images),
        (s: ImageStatus & { rev: number }) => {
          setImages((list) => list?.map((i) => (i.name === s.name ? { ...i, build: s.build } : i)) ?? list);
          return s.build.state !== "building";
        },
      ),
    [],
  );
  return images;
}
