import type { ChangeApply } from "./changes";
import { compareText, type Field } from "./field";

/**
 * Files copied over a guest's root at boot (a node's own, and the lab's
 * shared ones): absolute path -> content.
 */
export type Overlay = Record<string, string>;

function overlayPathProblem(path: string): string | null {
  if (!path.startsWith("/")) return `file path "${path}" must be absolute`;
  const parts = path.split("/").slice(1);
  if (parts.some((p) => p === "" || p === "." || p === "..")) return `file path "${path}" must not contain empty, "." or ".." parts`;
  return null;
}

/** An overlay, empty when left out; each file changed, added or removed is a difference of its own ("file /etc/motd added"). */
export function overlay<K extends string>(key: K, rule: { label: string; apply: ChangeApply }): Field<K, Overlay, Overlay, unknown> {
  return {
    key,
    resolve(raw, at, problems) {
      const files: Overlay = {};
      for (const [path, content] of Object.entries(raw ?? {})) {
        const p = overlayPathProblem(path);
        if (p) problems.push({ path: [...at, path], message: p });
        else files[path] = content;
      }
      return files;
    },
    serialize: (v) => (Object.keys(v).length ? { ...v } : undefined),
    changes(a, b) {
      const paths = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareText);
      return paths.flatMap((p) => {
        const what = !Object.hasOwn(a, p) ? "added" : !Object.hasOwn(b, p) ? "removed" : a[p] !== b[p] ? "changed" : null;
        return what ? [{ what: `${rule.label} ${p} ${what}`, apply: rule.apply }] : [];
      });
    },
  };
}
