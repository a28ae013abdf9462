// `npm run screenshot`: the README's pictures. The real server (production
// build, scripts/lab-server.ts) with the sample labs, in Debian's Chromium at
// 1440x900. docs/screenshot.png: the sample "two-hosts" running, both
// terminals side by side, host1 having pinged host2 and host2 showing its
// address, host1 selected in the inspector. docs/ospf-ring.png: the sample
// "ospf-ring" with node04's eth0 pulled, node01's terminal showing the
// recorded route through node02. The labs and the server are stopped at the
// end, and nothing may be left running.
import { join } from "node:path";
import { chromium, type Page } from "@playwright/test";
import playwrightConfig from "../playwright.config";
import { signInAdmin } from "./lab-admin";
import { startLabServer } from "./lab-server";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "docs", "screenshot.png");
const RING_OUT = join(ROOT, "docs", "ospf-ring.png");
const LAB = "two-hosts";
const NODES = ["host1", "host2"];
const RING = ["node01", "node02", "node03", "node04"];
const VIEWPORT = { width: 1440, height: 900 };
const log = (m: string) => process.stderr.write(`screenshot: ${m}\n`);

const node = (page: Page, name: string) => page.locator(`.react-flow__node[data-id="${name}"]`);
const screen = (page: Page, name: string) => page.locator(`[data-terminal="${name}"] .xterm-rows`);

async function typeLine(page: Page, name: string, line: string): Promise<void> {
  await page.locator(`[data-terminal="${name}"] .xterm-screen`).click();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

async function nodesIn(page: Page, state: "running" | "stopped", timeout: number, nodes = NODES): Promise<void> {
  for (const n of nodes) await page.locator(`[data-node="${n}"][data-state="${state}"]`).waitFor({ timeout });
}

/** The OSPF ring with a pulled link: node01 reaches node03's virtual IP through node02. */
async function ringPicture(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator(`[data-lab="ospf-ring"]`).getByRole("link", { name: "ospf-ring" }).click();
  await node(page, "node01").waitFor();
  log("starting ospf-ring");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await nodesIn(page, "running", 120_000, RING);
  await node(page, "node01").dblclick();
  await screen(page, "node01").filter({ hasText: "node01:" }).waitFor({ timeout: 60_000 });
  // Converged when node01's route to node03's virtual IP goes through node04.
  for (let i = 0; ; i++) {
    await typeLine(page, "node01", "clear; ip route show 10.10.10.3");
    if (await screen(page, "node01").filter({ hasText: "via 10.0.4.4" }).isVisible({ timeout: 1000 }).catch(() => false)) break;
    if (i > 60) throw new Error("ospf-ring did not converge within a minute");
    await page.waitForTimeout(1000);
  }
  const wire = page.locator('.react-flow__edge[data-id="node04:eth0"]');
  await wire.click({ button: "right" });
  await page.getByRole("menuitem", { name: "Pull link" }).click();
  await page.waitForTimeout(2500);
  await typeLine(page, "node01", "clear; ping -R -c 1 10.10.10.3");
  await screen(page, "node01").filter({ hasText: "10.0.2.2" }).waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  await node(page, "node04").click();
  await page.mouse.move(VIEWPORT.width / 2, 5);
  await page.waitForTimeout(500);
  await page.screenshot({ path: RING_OUT });
  log(`wrote ${RING_OUT}`);
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await nodesIn(page, "stopped", 60_000, RING);
}

log("starting the server");
const server = await startLabServer({ samples: true, name: "screenshot" });
try {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: playwrightConfig.use?.launchOptions?.args });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, storageState: await signInAdmin(server, join(server.data, "admin-state.json")) });
    await page.goto(server.url);
    await page.locator(`[data-lab="${LAB}"]`).getByRole("link", { name: LAB }).click();
    await node(page, "host1").waitFor();

    log(`starting ${LAB}`);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await nodesIn(page, "running", 120_000);
    for (const n of NODES) await node(page, n).dblclick();
    await page.getByRole("button", { name: "Split host2" }).click();
    for (const n of NODES) await screen(page, n).filter({ hasText: `${n}:` }).waitFor({ timeout: 60_000 });

    await typeLine(page, "host1", "clear; ping -c 3 10.0.0.2");
    await typeLine(page, "host2", "clear; ip addr show eth0");
    // \s: a space on screen may be a no-break space; "100% packet loss" must not count.
    await screen(page, "host1").filter({ hasText: /\s0% packet loss/ }).waitFor({ timeout: 30_000 });
    await screen(page, "host2").filter({ hasText: "10.0.0.2/24" }).waitFor({ timeout: 10_000 });
    // The canvas fits itself again when the dock opens.
    await page.waitForTimeout(500);
    await node(page, "host1").click();
    await page.locator('.react-flow__node.selected[data-id="host1"]').waitFor({ timeout: 5_000 });
    // Off the canvas, so no hover effect is in the picture.
    await page.mouse.move(VIEWPORT.width / 2, 5);
    await page.waitForTimeout(500);
    await page.screenshot({ path: OUT });
    log(`wrote ${OUT}`);

    // On failure the server's stop ends the lab instead (and checks the same).
    log(`stopping ${LAB}`);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await nodesIn(page, "stopped", 60_000);

    await ringPicture(page, server.url);
  } finally {
    await browser.close();
  }
} finally {
  log("stopping the server");
  await server.stop();
}
