import type { LabDetail } from "../api/lab-service";
import type { ShareView } from "../api/share-service";
import type { ShareInfo } from "../model/share";
import type { ServerRequest } from "./kathara";
import { printStatus, table } from "./status";
import { takeOption } from "./args";

export const SHARE_USAGE = `  share LAB [--live] [--view-only] [--expires 30m|12h|7d|2w]
                                  a share link: whoever has it sees the lab read-only, and a
                                  signed-in user can fork it with the disks as they are now
                                  (--live: as they are when forked; --view-only: no forks)
  share LAB ls                    the lab's links: URL, disks, expiry, forks made
  share LAB revoke LINK           end a link (its id, token or URL) for everyone; forks stay
  shared LINK                     what a share link (its URL or token) shows
  fork LINK [NAME]                a lab of your own from a share link, with its disks`;

const enc = encodeURIComponent;
const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const when = (iso: string | null) => (iso ? `${iso.replace("T", " ").slice(0, 16)} UTC` : "never");

/** A link's token from its URL (…/share/TOKEN) or the token itself. */
export function shareToken(link: string): string {
  const m = /\/share\/([^/?#]+)/.exec(link);
  return m ? m[1] : link.trim();
}

/** `umlab share LAB ...`. */
export async function shareCommand(rest: string[], request: ServerRequest, baseUrl: string): Promise<number> {
  const args = [...rest];
  const expiresIn = takeOption(args, "--expires");
  const live = args.includes("--live");
  const viewOnly = args.includes("--view-only");
  const [lab, sub, ref, ...extra] = args.filter((a) => a !== "--live" && a !== "--view-only");
  const url = (s: ShareInfo) => new URL(s.path, baseUrl).toString();
  if (sub === "ls") {
    const { shares } = (await (await request(`/api/labs/${enc(lab)}/shares`)).json()) as { shares: ShareInfo[] };
    if (!shares.length) console.log(`lab ${lab} has no share links`);
    else
      console.log(
        table([
          ["ID", "URL", "DISKS", "FORKS", "EXPIRES"],
          ...shares.map((s) => [s.id, url(s), s.fork ? (s.disks === "live" ? "live" : "as shared") : "view only", String(s.forks), s.expired ? "expired" : when(s.expiresAt)]),
        ]),
      );
    return 0;
  }
  if (sub === "revoke") {
    if (!ref) throw new Error(`umlab share ${lab} revoke needs a LINK (its id, token or URL: umlab share ${lab} ls)`);
    const s = (await (await request(`/api/labs/${enc(lab)}/shares/${enc(shareToken(ref))}`, { method: "DELETE" })).json()) as ShareInfo;
    console.log(`revoked share link ${s.id} of lab ${lab}: it opens nothing now (forks made from it stay)`);
    return 0;
  }
  if (sub !== undefined || extra.length) throw new Error(`unexpected "${sub ?? extra[0]}": usage:\n${SHARE_USAGE}`);
  const s = (await (await request(`/api/labs/${enc(lab)}/shares`, json({ disks: live ? "live" : "snapshot", fork: !viewOnly, expiresIn }))).json()) as ShareInfo;
  console.log(url(s));
  const what = !s.fork ? "view only" : s.disks === "live" ? "forks get the disks as they are when forked" : "forks get the disks as they are now";
  console.error(`share link of lab ${lab} (${what}; expires: ${when(s.expiresAt)}); revoke: umlab share ${lab} revoke ${s.id}`);
  return 0;
}

/** `umlab shared LINK`: the lab a link shows, read-only. */
export async function sharedCommand(link: string, request: ServerRequest): Promise<number> {
  const v = (await (await request(`/api/share/${enc(shareToken(link))}`)).json()) as ShareView;
  console.log(`lab ${v.lab}, shared by ${v.owner} ${when(v.createdAt)}; ${v.fork ? `can be forked (${v.disks === "live" ? "disks as they are then" : "disks as they were when shared"})` : "view only"}; expires: ${when(v.expiresAt)}`);
  printStatus(v.status);
  return 0;
}

/** `umlab fork LINK [NAME]`. */
export async function forkCommand(link: string, name: string | undefined, request: ServerRequest): Promise<number> {
  const lab = (await (await request(`/api/share/${enc(shareToken(link))}/fork`, json(name ? { name } : {}))).json()) as LabDetail & { disks: string[]; from: string };
  console.log(`forked lab ${lab.from} as ${lab.name}${lab.disks.length ? `, with the disks of ${lab.disks.join(", ")}` : " (no node had a disk yet)"}: umlab start ${lab.name}`);
  return 0;
}
