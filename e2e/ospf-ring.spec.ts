import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

// The bundled classic lab: four FRR routers in a ring (server/samples/ospf-ring.yaml).
const SAMPLE = readFileSync(join(import.meta.dirname, "..", "server", "samples", "ospf-ring.yaml"), "utf8");

/** Asks node01's shell for its route to node03's virtual IP until the terminal shows it going `via`. */
async function routeVia(page: Page, via: string, timeout: number): Promise<void> {
  await expect(async () => {
    await typeLine(page, "node01", "clear; ip route show 10.10.10.3");
    await expect(screen(page, "node01")).toContainText(`10.10.10.3 nhid`, { timeout: 1500 });
    await expect(screen(page, "node01")).toContainText(`via ${via} `, { timeout: 500 });
  }).toPass({ timeout, intervals: [500] });
}

/**
 * Pings node03's virtual IP from node01 recording the route, until an answer
 * shows `hop` on the way. node01's route moves first; the routers behind it
 * (node03's way back) may take a moment more, and a lone ping then goes unanswered.
 */
async function recordedRoutePasses(page: Page, hop: string, timeout: number): Promise<void> {
  await expect(async () => {
    await typeLine(page, "node01", "clear; ping -R -c 1 -W 2 10.10.10.3");
    await expect(screen(page, "node01")).toContainText("ping statistics", { timeout: 3500 });
    await expect(screen(page, "node01")).toContainText(hop, { timeout: 500 });
  }).toPass({ timeout, intervals: [500] });
}

test("ospf-ring: start it, pull node04's link on the canvas, and node01's terminal shows the new route", async ({ page, labs }) => {
  test.setTimeout(240000);
  const name = labs.name("ospf");
  const { id } = await labs.import(SAMPLE.replace(/^name: ospf-ring$/m, `name: ${name}`));
  await page.goto(`/labs/${id}`);
  await page.getByRole("button", { name: "Start", exact: true }).click();
  for (const n of ["node01", "node02", "node03", "node04"])
    await expect(page.locator(`[data-node="${n}"][data-state="running"]`)).toBeVisible({ timeout: 120000 });

  await page.locator('.react-flow__node[data-id="node01"]').dblclick();
  await waitPrompt(page, "node01");
  // Converged: node03's virtual IP is reached through node04 (10.0.4.4), and the recorded route says so.
  await routeVia(page, "10.0.4.4", 90000);
  await recordedRoutePasses(page, "10.0.3.4", 15000);

  // Pull node04's eth0 (its wire to switch3) from the wire's menu: the route moves to node02 (10.0.1.2).
  const wire = page.locator('.react-flow__edge[data-id="node04:eth0"]');
  await wire.click({ button: "right" });
  await page.getByRole("menuitem", { name: "Pull link" }).click();
  await expect(wire).toHaveClass(/\bpulled\b/);
  await routeVia(page, "10.0.1.2", 15000);
  await recordedRoutePasses(page, "10.0.2.2", 15000);

  // Plugged back: the first way returns.
  await wire.click({ button: "right" });
  await page.getByRole("menuitem", { name: "Plug link back" }).click();
  await expect(wire).not.toHaveClass(/\bpulled\b/);
  await routeVia(page, "10.0.4.4", 60000);
});
