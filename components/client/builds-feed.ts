"use client";
import { umlabSocket } from "./socket";

type Feed = "kernel:status" | "image:status";

/**
 * Follows one of the machine's build lists: the list's answer and the
 * socket's events both carry a revision of the machine's builds (BUILDS in
 * server/engine/live.ts), and only what is newer than what is shown is
 * taken, so an answer that left before an event never undoes it. `onEvent`
 * says whether the list is to be asked for again (a build began or ended).
 * Returns the cleanup for the effect that calls it.
 */
export function followBuilds<A extends { rev: number }, E extends { rev: number }>(
  list: () => Promise<A>,
  feed: Feed,
  onList: (answer: A) => void,
  onEvent: (event: E) => boolean,
): () => void {
  let live = true;
  let rev = 0;
  const load = () =>
    void list().then(
      (a) => {
        if (!live || a.rev < rev) return;
        rev = a.rev;
        onList(a);
      },
      () => {},
    );
  load();
  const socket = umlabSocket();
  const on = (e: E) => {
    if (e.rev <= rev) return;
    rev = e.rev;
    if (onEvent(e)) load();
  };
  socket.on(feed, on as never);
  return () => {
    live = false;
    socket.off(feed, on as never);
  };
}

