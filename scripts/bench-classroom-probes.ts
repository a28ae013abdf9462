// What the classroom bench (bench-classroom.ts) reads: a client of the
// server as a class's people use it, the guests' real memory, and the
// teacher console's update latency in the page.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import type { Page } from "@playwright/test";
import { umlTmpDir } from "../server/engine/host";
import { processesIn, readStat } from "../server/engine/procs";
import { log, sleep } from "./bench-lib";
import { fetchAgain } from "../server/test-support";
import type { LabServer } from "./lab-server";

/** Routers of the OSPF ring, each student's instance. */
export const ROUTERS = 4;

export function client(server: LabServer) {
  const url = server.url;
  const cookies: Record<string, string> = {};
  const as = (user: string | null, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> =>
    fetchAgain(`${url}${path}`, {
      method,
      signal,
      headers: { origin: url, ...(user ? { cookie: cookies[user] } : {}), ...(body === undefined ? {} : { "content-type": typeof body === "string" ? "application/yaml" : "application/json" }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const ok = async <T>(r: Response | Promise<Response>, status = 200): Promise<T> => {
    const res = await r;
    const text = await res.text();
    if (res.status !== status) throw new Error(`${res.url}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  const signIn = async (email: string, password: string): Promise<void> => {
    const res = await as(null, "POST", "/api/auth/sign-in/email", { email, password });
    if (res.status === 429) {
      // Sign-ins are rate limited (30 a minute from one address): a class signing in from one machine waits its turn.
      const s = Number(res.headers.get("x-retry-after") ?? res.headers.get("retry-after") ?? 60);
      await res.body?.cancel();
      log(`classroom: sign-ins rate limited, waiting ${s} s`);
      await sleep((s + 1) * 1000);
      return signIn(email, password);
    }
    if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
    cookies[email] = res.headers.getSetCookie().map((x) => x.split(";")[0]).join("; ");
  };
  return { as, ok, signIn, cookies };
}
export type Client = ReturnType<typeof client>;

/**
 * The guests' host processes (linux, in the data directory): their PSS, and
 * (a cross-check, as the engine rows count a node) their anonymous memory
 * plus their memory files' allocated blocks, KiB. A guest's kernel has
 * helper processes that share its address space (clone with CLONE_VM):
 * each reports the same whole PSS, so an address space is counted once (the
 * same memory file and the same maps). Remembers every process of the data
 * directory for the end's leftover check.
 */
export function guestMemory(data: string, seen: Map<number, { start: number; cmd: string }>, measure = true): { pss: number; owned: number } {
  let pss = 0;
  let owned = 0;
  const files = new Set<string>();
  const spaces = new Set<string>();
  for (const pid of processesIn(data)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      const start = readStat(pid)?.start;
      if (start !== undefined) seen.set(pid, { start, cmd: cmd.slice(0, 160) });
      // Reading every guest process's maps and smaps under a load of 100 took the last run 20 minutes: only a held class is measured.
      if (!measure || !/^(linux|linux\.uml)$/.test(cmd.split(" ")[0].split("/").pop() ?? "")) continue;
      // Its memory file: an unlinked file in its TMPDIR, the same name in every sandbox ("/dev/shm/#3 (deleted)"), told apart by device and inode.
      let file = "";
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (!target.startsWith(umlTmpDir()) || !target.endsWith(" (deleted)")) continue;
        const st = statSync(`/proc/${pid}/fd/${fd}`);
        file = `${st.dev}:${st.ino}`;
        if (!files.has(file)) owned += (st.blocks * 512) / 1024;
        files.add(file);
      }
      const space = `${file} ${createHash("sha256").update(readFileSync(`/proc/${pid}/maps`)).digest("hex")}`;
      if (spaces.has(space)) continue;
      spaces.add(space);
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      owned += Number(/^Anonymous:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // a process that just ended
    }
  }
  return { pss, owned };
}

/**
 * What the data directory's processes (the guests and their switches) take
 * of the host's CPU over `ms`, in cores (1 = one core's whole time).
 */
export async function labCpu(data: string, ms: number): Promise<number> {
  const ticks = (pids: number[]) =>
    pids.reduce((n, pid) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        return n + Number(f[11]) + Number(f[12]);
      } catch {
        return n; // a process that just ended
      }
    }, 0);
  const pids = processesIn(data);
  const before = ticks(pids);
  const t0 = performance.now();
  await sleep(ms);
  return (ticks(pids) - before) / 100 / ((performance.now() - t0) / 1000);
}

/**
 * A node of a random student's instance crashed (with the student's
 * cookie), until the teacher's page shows that row's nodes change from
 * "4/4 running"; then started again, until the row shows 4/4 once more.
 * Both ends on the wall clock (the page's and ours: one host).
 */
export async function consoleLatency(c: Client, page: Page, pool: string[], inst: Record<string, { labId: string }>, samples: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const s = pool[Math.floor(Math.random() * pool.length)];
    const node = `node0${1 + Math.floor(Math.random() * ROUTERS)}`;
    const cell = `tr[data-student="${s}"] [data-testid="nodes"]`;
    await page.locator(cell).filter({ hasText: /^4\/4 running$/ }).waitFor({ timeout: 120_000 });
    await sleep(200 + Math.random() * 500);
    await page.evaluate((cell) => {
      const w = window as unknown as { __benchShown?: Promise<number> };
      w.__benchShown = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${cell} did not change within 10 s`)), 10_000);
        const observer = new MutationObserver(() => {
          const text = document.querySelector(cell)?.textContent;
          if (text === "4/4 running") return;
          const t = Date.now();
          observer.disconnect();
          clearTimeout(timer);
          resolve(t);
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
    }, cell);
    const t0 = Date.now();
    await c.ok(c.as(s, "POST", `/api/labs/${inst[s].labId}/nodes/${node}/crash`));
    const shown = await page.evaluate(() => (window as unknown as { __benchShown: Promise<number> }).__benchShown);
    ms.push(shown - t0);
    await c.ok(c.as(s, "POST", `/api/labs/${inst[s].labId}/nodes/${node}/start`));
  }
  return ms;
}

