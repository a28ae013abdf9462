import { startLab } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

// The trace recorder snapshots the page at every step, inside the very page
// whose frames this test times: without it, what is timed is umlab's page.
test.use({ trace: "off" });

const lab = (name: string, nodes: string[]) =>
  `umlab: 1\nname: ${name}\nnodes:\n${nodes.map((n) => `  ${n}:\n    eth: [sw1]\n`).join("")}switches:\n  sw1: {}\n`;

test("a flood of output does not freeze the page, and the console still answers after it", async ({ page, labs }) => {
  const name = labs.name("flood");
  const { id } = await labs.import(lab(name, ["pc1"]));
  await startLab(name);
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await waitPrompt(page, "pc1");
  await typeLine(page, "pc1", "yes flood-line");
  await expect(screen(page, "pc1")).toContainText("flood-line");
  // While it floods, the page keeps answering: a frame round trip into the page
  // stays short. A lone slow one, or a slow window of them, can be the 2-core
  // host busy with something else (the last test's guests ending): a frozen
  // page is slow in every window.
  const windows: number[][] = [];
  for (let w = 0; w < 3 && !(windows.length && windows[windows.length - 1][4] < 250); w++) {
    const trips: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = Date.now();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      trips.push(Date.now() - t0);
      await page.waitForTimeout(300);
    }
    windows.push(trips.sort((x, y) => x - y));
  }
  const said = `frame round trips ${windows.map((t) => t.join(", ")).join(" | ")} ms`;
  for (const trips of windows) expect(trips[trips.length - 1], said).toBeLessThan(3000);
  expect(Math.min(...windows.map((t) => t[t.length >> 1])), said).toBeLessThan(250);
  await page.locator('[data-terminal="pc1"] .xterm-screen').click();
  await page.keyboard.press("Control+C");
  await typeLine(page, "pc1", "clear; echo after-$((40+2))");
  await expect(screen(page, "pc1")).toContainText("after-42", { timeout: 20000 });
});
