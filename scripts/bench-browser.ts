// The browser half of `npm run bench` (scripts/bench.ts): keystroke echo
// latency through the whole stack and lab start as a person sees it, measured
// against the real server (production build) driven by Debian's Chromium.
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import * as pty from "node-pty";
import playwrightConfig from "../playwright.config";
import type { LabDetail } from "../server/api/lab-service";
import type { LabStatus } from "../server/engine/lab-run";
import type { ProbeEvent } from "../components/client/socket";
import { CLEAR_EVERY, LETTERS, echoHop, eventsPerStart, restartReattach, socketEcho, type EventsResult, type RestartResult } from "./bench-engine";
import { signInAdmin } from "./lab-admin";
import { startLabServer, type LabServer } from "./lab-server";

/** The signed-in admin's browser state, made once the bench's server is up. */
let adminState: string | undefined;

const ROOT = join(import.meta.dirname, "..");
/** Keystrokes are sent after a random pause of up to two frames at 60 Hz. */
export const PHASE_MS = 2000 / 60;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

/** Nearest-rank percentile. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

export interface Spread {
  p50: number;
  p95: number;
  n: number;
}
const spread = (xs: number[]): Spread => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), n: xs.length });

export interface BrowserResults {
  chromium: string;
  /** node-pty round trips on this host, no guest: the kernel's own echo (cat) and a shell's line editor (busybox sh). */
  ptyCat: Spread;
  ptyShell: Spread;
  /** keydown in the page until the echo's console:data reaches the page. */
  data: Spread;
  /** keydown until xterm has drawn it. */
  rendered: Spread;
  /** per keystroke, drawn minus arrived. */
  renderGap: Spread;
  /** keystrokes drawn at the first frame after their echo arrived (before a second frame began). */
  drawnFirstFrame: number;
  /** keydown until the page's next frame (requestAnimationFrame). */
  keyFrame: Spread;
  /** keystrokes whose echo arrived only after that frame. */
  arrivedAfterFrame: number;
  /** The same keystrokes sent by a socket.io client in Node: server and guest, no browser. */
  socketOnly: Spread;
  /** Start clicked until every terminal shows its prompt, per sample lab. */
  starts: { lab: string; nodes: number; ms: number[] }[];
  /** Live events per node start, per client (bench-engine.ts). */
  events: EventsResult;
  /** The web server killed and started again: every terminal of a 10-node lab back (bench-engine.ts). */
  restart: RestartResult;
  /** Keystroke echo from a socket.io client in Node, with the engine its own process (through its console door, and through the web server) and inside the web server. */
  hop: { door: Spread; engine: Spread; inProcess: Spread };
}

export async function browserBench(keys: number, startRuns: number): Promise<BrowserResults> {
  log(`raw pty echo on this host, ${keys} keystrokes each (cat, busybox sh)`);
  const ptyCat = spread(await ptyEcho("cat", [], keys));
  const ptyShell = spread(await ptyEcho("busybox", ["sh"], keys));
  // The real server as e2e/global-setup.ts starts it, but without the sample labs.
  let results: Omit<BrowserResults, "hop">;
  const server = await startLabServer({ samples: false, name: "bench-server" });
  try {
    adminState = await signInAdmin(server, join(server.data, "admin-state.json"));
    const browser = await chromium.launch({ executablePath: launch.executablePath ?? "/usr/bin/chromium", args: launch.args });
    try {
      log(`keystroke echo through the browser, ${keys} keystrokes`);
      const echo = await keystrokeEcho(server, browser, keys);
      const starts: BrowserResults["starts"] = [];
      for (const file of ["two-hosts.yaml", "three-hosts-hub.yaml"]) {
        log(`Start clicked -> all prompts in the browser, ${file}, ${startRuns} runs`);
        starts.push(await startToPrompts(server, browser, readFileSync(join(ROOT, "server", "samples", file), "utf8"), startRuns));
      }
      log("live events per node start, per client (three clients)");
      const events = await eventsPerStart(server);
      log("web server killed and started again -> every terminal of a 10-node lab attached again");
      const restart = await restartReattach(server, 10);
      results = { chromium: browser.version(), ptyCat, ptyShell, ...echo, starts, events, restart };
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
  // After the main server has stopped, on a quiet machine: two more servers, taking turns.
  log(`keystroke echo from a socket.io client in Node, through the engine process (its door, the web server) and with the engine in the web server, ${keys} keystrokes × 2 each`);
  const hop = await echoHop(keys);
  return { ...results, hop: { door: spread(hop.door), engine: spread(hop.engine), inProcess: spread(hop.inProcess) } };
}

const launch = playwrightConfig.use?.launchOptions ?? {};

// --- the server --------------------------------------------------------------

async function api<T>(server: LabServer, method: string, path: string, yaml?: string): Promise<T> {
  const auth = { authorization: `Bearer ${server.token}` };
  const res = await fetch(`${server.url}${path}`, { method, body: yaml, headers: yaml === undefined ? auth : { ...auth, "content-type": "application/yaml" } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function waitNodes(server: LabServer, lab: string, state: "running" | "stopped", timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await api<LabStatus>(server, "GET", `/api/labs/${lab}/status`);
    const bad = s.nodes.find((n) => n.state === "crashed" || n.state === "halted");
    if (bad) throw new Error(`node ${bad.name} ${bad.state}: ${bad.reason}`);
    if (s.nodes.every((n) => n.state === state) && (state === "running" || !s.running)) return;
    if (Date.now() > until) throw new Error(`lab ${lab}: not every node ${state} within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

// --- raw pty echo --------------------------------------------------------------

/** One character written to a pty running `file`, until it comes back: no guest, no server, no browser. */
async function ptyEcho(file: string, args: string[], n: number): Promise<number[]> {
  const p = pty.spawn(file, args, { name: "xterm-256color", cols: 200, rows: 24, cwd: tmpdir(), env: { ...process.env, PS1: "$ ", ENV: "" } as Record<string, string> });
  let out = "";
  const sub = p.onData((d) => (out += d));
  try {
    await sleep(300); // the shell's prompt
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % CLEAR_EVERY === 0) {
        p.write("\x15");
        await sleep(50);
      }
      const ch = LETTERS[i % LETTERS.length];
      out = "";
      const t0 = performance.now();
      const back = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no echo of "${ch}" within 5 s`)), 5000);
        const d = p.onData(() => {
          if (!out.includes(ch)) return;
          clearTimeout(timer);
          d.dispose();
          resolve(performance.now() - t0);
        });
      });
      p.write(ch);
      ms.push(await back);
    }
    return ms;
  } finally {
    sub.dispose();
    p.kill("SIGKILL");
  }
}

// --- keystroke echo through the whole stack -------------------------------------

const ECHO_LAB = `umlab: 1
name: bench-echo
description: One node, for the keystroke latency bench.
nodes:
  pc1: {}
`;

/**
 * What the page collects: its keydowns and the terminal's probe events, each
 * with the page's next frame after it (and, after console data, the frame
 * after that one): requestAnimationFrame callbacks run at the start of a
 * frame, before xterm's own.
 */
interface PageBench {
  keys: { key: string; t: number; frame?: number }[];
  events: (ProbeEvent & { frame1?: number; frame2?: number })[];
  wake: (() => void) | null;
}
interface Echo {
  keydown: number;
  keyFrame: number;
  data: number;
  rendered: number;
  dataFrame2: number;
}
type BenchWindow = Window & { __bench?: PageBench; __umlabProbe?: (e: ProbeEvent) => void; __benchStartClicked?: number };

async function keystrokeEcho(server: LabServer, browser: Browser, n: number): Promise<Pick<BrowserResults, "data" | "rendered" | "renderGap" | "drawnFirstFrame" | "keyFrame" | "arrivedAfterFrame" | "socketOnly">> {
  const detail = await api<LabDetail>(server, "POST", "/api/labs", ECHO_LAB);
  await api(server, "POST", `/api/labs/${detail.name}/start`);
  await waitNodes(server, detail.name, "running");
  const context = await newContext(browser);
  const echoes: Echo[] = [];
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/labs/${detail.id}`);
    await page.locator(`.react-flow__node[data-id="pc1"]`).dblclick();
    await waitPrompts(page, ["pc1"], 60_000);
    await page.locator(`[data-terminal="pc1"] .xterm-screen`).click();
    await page.evaluate(() => {
      const w = window as BenchWindow;
      const b: PageBench = { keys: [], events: [], wake: null };
      w.__bench = b;
      window.addEventListener(
        "keydown",
        (e) => {
          const k: PageBench["keys"][number] = { key: e.key, t: performance.now() };
          b.keys.push(k);
          requestAnimationFrame(() => {
            k.frame = performance.now();
            b.wake?.();
          });
        },
        true,
      );
      w.__umlabProbe = (e) => {
        const ev: PageBench["events"][number] = { ...e };
        b.events.push(ev);
        if (ev.kind === "data")
          requestAnimationFrame(() => {
            ev.frame1 = performance.now();
            requestAnimationFrame(() => {
              ev.frame2 = performance.now();
              b.wake?.();
            });
          });
        b.wake?.();
      };
    });
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % CLEAR_EVERY === 0) await clearLine(page);
      const ch = LETTERS[i % LETTERS.length];
      await page.evaluate(() => {
        const b = (window as BenchWindow).__bench!;
        b.keys = [];
        b.events = [];
      });
      // A random pause, so keydowns fall anywhere in the page's frame, as a person's do.
      await sleep(Math.random() * PHASE_MS);
      await page.keyboard.press(ch);
      const r = await page.evaluate(
        ({ ch, timeoutMs }) => {
          const b = (window as BenchWindow).__bench!;
          const check = () => {
            const k = b.keys.find((k) => k.key === ch);
            if (!k || k.frame === undefined) return null;
            const d = b.events.findIndex((e) => e.kind === "data" && e.t >= k.t && e.data?.includes(ch));
            if (d < 0 || b.events[d].frame2 === undefined) return null;
            const r = b.events.findIndex((e, j) => j > d && e.kind === "rendered");
            if (r < 0) return null;
            return { keydown: k.t, keyFrame: k.frame, data: b.events[d].t, rendered: b.events[r].t, dataFrame2: b.events[d].frame2! };
          };
          return new Promise<Echo>((resolve, reject) => {
            const timer = setTimeout(() => {
              b.wake = null;
              reject(new Error(`no echo of "${ch}" drawn within ${timeoutMs} ms (events: ${JSON.stringify(b.events).slice(0, 500)})`));
            }, timeoutMs);
            b.wake = () => {
              const found = check();
              if (!found) return;
              clearTimeout(timer);
              b.wake = null;
              resolve(found);
            };
            b.wake();
          });
        },
        { ch, timeoutMs: 5000 },
      );
      echoes.push(r);
    }
    await clearLine(page);
  } finally {
    await context.close();
  }
  log(`keystroke echo from a socket.io client in Node (no browser), through the console door as the page's terminal, ${n} keystrokes`);
  const socketOnly = await socketEcho(server, detail.name, "pc1", n, "door");
  await api(server, "POST", `/api/labs/${detail.name}/stop`);
  await waitNodes(server, detail.name, "stopped");
  return {
    data: spread(echoes.map((e) => e.data - e.keydown)),
    rendered: spread(echoes.map((e) => e.rendered - e.keydown)),
    renderGap: spread(echoes.map((e) => e.rendered - e.data)),
    drawnFirstFrame: echoes.filter((e) => e.rendered < e.dataFrame2).length,
    keyFrame: spread(echoes.map((e) => e.keyFrame - e.keydown)),
    arrivedAfterFrame: echoes.filter((e) => e.data >= e.keyFrame).length,
    socketOnly: spread(socketOnly),
  };
}

/** Ctrl+U, then a moment for the shell's redraw to arrive and be drawn. */
async function clearLine(page: Page): Promise<void> {
  await page.keyboard.press("Control+U");
  await sleep(150);
}

// --- Start clicked -> all prompts -----------------------------------------------

async function startToPrompts(server: LabServer, browser: Browser, yaml: string, runs: number): Promise<BrowserResults["starts"][number]> {
  const detail = await api<LabDetail>(server, "POST", "/api/labs", yaml);
  const nodes = detail.status.nodes.map((n) => n.name);
  if (nodes.length > 4) throw new Error(`${detail.name}: the dock shows at most 4 terminals side by side`);
  // Every terminal in a pane of its own, so all are drawn (a hidden tab is not).
  const dock = { panes: nodes.map((n) => ({ tabs: [n], active: n })), broadcast: false, targets: [] };
  const context = await newContext(browser);
  await context.addInitScript(({ key, value }) => localStorage.setItem(key, value), { key: `umlab:dock:${detail.id}`, value: JSON.stringify(dock) });
  const ms: number[] = [];
  try {
    const page = await context.newPage();
    for (let run = 0; run < runs; run++) {
      // A fresh page each run: the terminals show the stopped message, not the last run's prompts.
      await page.goto(`${server.url}/labs/${detail.id}`);
      for (const n of nodes) await page.locator(`[data-terminal="${n}"] .xterm-rows`).filter({ hasText: `${n} is stopped` }).waitFor({ timeout: 30_000 });
      await page.evaluate(() => {
        const w = window as BenchWindow;
        w.__benchStartClicked = undefined;
        window.addEventListener(
          "click",
          (e) => {
            const b = (e.target as Element).closest("button");
            if (b?.textContent?.trim() === "Start" && w.__benchStartClicked === undefined) w.__benchStartClicked = performance.now();
          },
          true,
        );
      });
      await page.getByRole("button", { name: "Start", exact: true }).click();
      const at = await waitPrompts(page, nodes, 120_000);
      const clicked = await page.evaluate(() => (window as BenchWindow).__benchStartClicked);
      if (clicked === undefined) throw new Error("the Start click was not seen by the page");
      ms.push(at - clicked);
      log(`  ${detail.name} run ${run + 1}: ${((at - clicked) / 1000).toFixed(2)} s`);
      await api(server, "POST", `/api/labs/${detail.name}/stop`);
      await waitNodes(server, detail.name, "stopped");
    }
  } finally {
    await context.close();
  }
  return { lab: detail.name, nodes: nodes.length, ms };
}

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: playwrightConfig.use?.viewport ?? { width: 1440, height: 900 }, storageState: adminState });
  // tsx compiles this file with esbuild's keepNames: the functions handed to
  // page.evaluate call its __name helper, which the page must have.
  await context.addInitScript("globalThis.__name = (f) => f;");
  return context;
}

/**
 * Waits until every node's terminal shows its shell prompt (a screen row
 * "<node>:<cwd># ") and answers the page's clock at that moment. Checked on
 * every DOM change, so the moment is the one xterm drew it.
 */
async function waitPrompts(page: Page, nodes: string[], timeoutMs: number): Promise<number> {
  return page.evaluate(
    ({ nodes, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const shown = (n: string) =>
          [...document.querySelectorAll(`[data-terminal="${n}"] .xterm-rows > div`)].some((row) => {
            const text = (row.textContent ?? "").replace(/\u00a0/g, " ").trim();
            return text.startsWith(`${n}:`) && text.endsWith("#") && !text.slice(n.length + 1, -1).includes(" ");
          });
        const check = () => {
          const t = performance.now();
          if (!nodes.every(shown)) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve(t);
        };
        const observer = new MutationObserver(check);
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`not every prompt (${nodes.join(", ")}) shown within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        check();
      }),
    { nodes, timeoutMs },
  );
}
