"use client";
import type { LabChange } from "@/server/model/changes";
import type { Act } from "./menu-items";
import { api } from "../client/api";

/** What saved edits still need in the running lab, a node's start or restart one click away. */
export function ChangesBanner({ changes, act, labId }: { changes: LabChange[]; act: Act; labId: string }) {
  const pending = changes.filter((c) => c.apply !== "none");
  if (!pending.length) return null;
  return (
    <div className="banner changes" role="status" data-testid="changes">
      <strong>Saved, not yet in the running lab:</strong>
      <ul>
        {pending.map((c) => (
          <li key={`${c.kind}:${c.name}:${c.what}`}>
            {c.name}: {c.what} —{" "}
            {c.apply === "restart-node" || c.apply === "start-node" ? (
              <button type="button" className="link" onClick={() => act(c.name, () => api.nodeAction(labId, c.name, c.apply === "start-node" ? "start" : "restart"), { node: c.name })}>
                {c.apply === "start-node" ? "start" : "restart"} {c.name}
              </button>
            ) : (
              <span>restart the lab</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
