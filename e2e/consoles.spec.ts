import { execIn, getLab, startLab } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

const lab = (name: string, nodes: string[]) =>
  `umlab: 1\nname: ${name}\nnodes:\n${nodes.map((n) => `  ${n}:\n    eth: [sw1]\n`).join("")}switches:\n  sw1: {}\n`;

test("two browsers see the same console, and a reload shows the recent screen", async ({ browser, labs }) => {
  const name = labs.name("shared");
  const { id } = await labs.import(lab(name, ["pc1"]));
  await startLab(name);
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  for (const page of [a, b]) {
    await page.goto(`/labs/${id}`);
    await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
    await waitPrompt(page, "pc1");
  }
  // Straight to the engine, through its console door.
  await expect(a.locator('[data-terminal="pc1"]')).toHaveAttribute("data-console-via", "door");
  await typeLine(a, "pc1", "echo from-a-$((6*7))");
  await expect(screen(a, "pc1")).toContainText("from-a-42");
  await expect(screen(b, "pc1")).toContainText("from-a-42");
  await typeLine(b, "pc1", "echo from-b-$((6*8))");
  await expect(screen(a, "pc1")).toContainText("from-b-48");
  // A third page, opened afterwards, gets the screen replayed.
  const c = await (await browser.newContext()).newPage();
  await c.goto(`/labs/${id}`);
  await c.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await expect(screen(c, "pc1")).toContainText("from-b-48");
  for (const p of [a, b, c]) await p.context().close();
});

test("a page that cannot reach the engine's console door gets its terminal through the web server", async ({ page, labs }) => {
  const name = labs.name("nodoor");
  const { id } = await labs.import(lab(name, ["pc1"]));
  await startLab(name);
  // The door's websocket is refused, as a firewall or a proxy in between would.
  await page.routeWebSocket((url) => url.pathname.startsWith("/umlab-console"), (ws) => ws.close());
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await waitPrompt(page, "pc1");
  await expect(page.locator('[data-terminal="pc1"]')).toHaveAttribute("data-console-via", "web");
  await typeLine(page, "pc1", "echo via-web-$((6*7))");
  await expect(screen(page, "pc1")).toContainText("via-web-42");
});

test("broadcast input: a line typed once runs on every selected node, not on the others", async ({ page, labs }) => {
  const name = labs.name("bcast");
  const { id } = await labs.import(lab(name, ["r1", "r2", "r3"]));
  await startLab(name);
  await page.goto(`/labs/${id}`);
  for (const n of ["r1", "r2", "r3"]) await page.locator(`.react-flow__node[data-id="${n}"]`).dblclick();
  await page.getByRole("button", { name: "Split r3" }).click();
  await page.getByLabel("Broadcast input").check();
  const banner = page.getByTestId("broadcast-banner");
  await expect(banner).toContainText("r1, r2, r3");
  await page.getByLabel("Broadcast to r2").uncheck();
  await expect(banner).toContainText("r1, r3");
  await expect(page.locator(".dock.broadcasting")).toBeVisible();
  // r3 is on screen in its own pane: type there, once.
  await waitPrompt(page, "r3");
  await typeLine(page, "r3", "echo typed-once > /tmp/mark");
  await expect(screen(page, "r3")).toContainText("typed-once");
  await expect.poll(async () => (await execIn(name, "r1", ["cat", "/tmp/mark"])).stdout).toBe("typed-once\n");
  expect((await execIn(name, "r3", ["cat", "/tmp/mark"])).stdout).toBe("typed-once\n");
  expect((await execIn(name, "r2", ["ls", "/tmp/mark"])).exitCode).not.toBe(0);
  // Off again: typing goes to one node only.
  await page.getByLabel("Broadcast input").uncheck();
  await expect(banner).toHaveCount(0);
  await typeLine(page, "r3", "echo alone > /tmp/alone");
  await expect.poll(async () => (await execIn(name, "r3", ["cat", "/tmp/alone"])).stdout).toBe("alone\n");
  expect((await execIn(name, "r1", ["ls", "/tmp/alone"])).exitCode).not.toBe(0);
  void (await getLab(name));
});

test("copy and paste in a terminal with Ctrl+Shift+C and Ctrl+Shift+V", async ({ browser, labs }) => {
  const name = labs.name("clip");
  const { id } = await labs.import(lab(name, ["pc1"]));
  await startLab(name);
  const context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await waitPrompt(page, "pc1");
  await page.evaluate(() => navigator.clipboard.writeText("echo pasted-$((6*7))"));
  await page.locator('[data-terminal="pc1"] .xterm-screen').click();
  await page.keyboard.press("Control+Shift+V");
  await page.keyboard.press("Enter");
  await expect(screen(page, "pc1")).toContainText("pasted-42");
  await expect(screen(page, "pc1")).not.toContainText("pasted-42echo", { timeout: 1000 });
  // Triple-click selects the output line; Ctrl+Shift+C copies it.
  const row = page.locator('[data-terminal="pc1"] .xterm-rows > div').filter({ hasText: "pasted-42" }).filter({ hasNotText: "echo" });
  // xterm's own layers take the pointer events above its rows: click where the row is.
  const box = (await row.boundingBox())!;
  await page.mouse.click(box.x + 20, box.y + box.height / 2, { clickCount: 3 });
  await page.keyboard.press("Control+Shift+C");
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/^pasted-42\s*$/);
  await context.close();
});
