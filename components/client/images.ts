"use client";
import { useEffect, useState } from "react";
import type { ImageInfo, ImageStatus } from "@/server/engine/build/image-service";
import { api } from "./api";
import { umlabSocket } from "./socket";

/** The images nodes can boot, kept current while builds run (socket `image:status`). */
export function useImages(): ImageInfo[] | null {
  const [images, setImages] = useState<ImageInfo[] | null>(null);
  useEffect(() => {
    let live = true;
    // The newest revision shown: an answer or an event older than it changes nothing.
    let rev = 0;
    const load = () =>
      void api.images().then(
        (r) => {
          if (!live || r.rev < rev) return;
          rev = r.rev;
          setImages(r.images);
        },
        () => {},
      );
    load();
    const socket = umlabSocket();
    const onStatus = (s: ImageStatus & { rev: number }) => {
      if (s.rev <= rev) return;
      rev = s.rev;
      setImages((list) => list?.map((i) => (i.name === s.name ? { ...i, build: s.build } : i)) ?? list);
      if (s.build.state !== "building") load();
    };
    socket.on("image:status", onStatus);
    return () => {
      live = false;
      socket.off("image:status", onStatus);
    };
  }, []);
  return images;
}
