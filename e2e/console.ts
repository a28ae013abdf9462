import { expect, type Locator, type Page } from "@playwright/test";

/** What a node's terminal shows on screen, as text. */
export function screen(page: Page, node: string): Locator {
  return page.locator(`[data-terminal="${node}"] .xterm-rows`);
}

/** Clicks into a node's terminal and types a line into it, as a person would. */
export async function typeLine(page: Page, node: string, line: string): Promise<void> {
  await page.locator(`[data-terminal="${node}"] .xterm-screen`).click();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

/** Waits for a node's shell prompt in its terminal. */
export async function waitPrompt(page: Page, node: string): Promise<void> {
  await expect(screen(page, node)).toContainText(`${node}:`, { timeout: 60000 });
}

/** Drags a palette item onto the canvas at a point of the canvas. */
export async function dropOnCanvas(page: Page, kind: "host" | "router" | "switch" | "hub" | "gateway", x: number, y: number): Promise<void> {
  await page.locator(`[data-palette="${kind}"]`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
}

/** Drags a wire from one element's handle to another's, with the mouse. */
/**
 * Where an element is once it stays put: the canvas fits its view again when
 * it is resized or given a node, and a drag aimed at a handle before that
 * lands beside it (the full run once wired nothing that way).
 */
async function stableBox(page: Page, el: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  let box = (await el.boundingBox())!;
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(100);
    const now = (await el.boundingBox())!;
    if (now.x === box.x && now.y === box.y && now.width === box.width && now.height === box.height) return now;
    box = now;
  }
  return box;
}

export async function wire(page: Page, from: string, to: string): Promise<void> {
  const a = page.locator(`.react-flow__node[data-id="${from}"] .react-flow__handle-top`);
  const b = page.locator(`.react-flow__node[data-id="${to}"] .react-flow__handle-bottom`);
  const pa = await stableBox(page, a);
  const pb = await stableBox(page, b);
  await page.mouse.move(pa.x + pa.width / 2, pa.y + pa.height / 2);
  await page.mouse.down();
  await page.mouse.move((pa.x + pb.x) / 2, (pa.y + pb.y) / 2, { steps: 5 });
  await page.mouse.move(pb.x + pb.width / 2, pb.y + pb.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Makes a new lab from the labs page, as a person does, and waits for its workspace. */
export async function newLabFromLabsPage(page: Page, name: string): Promise<void> {
  await page.goto("/");
  await page.getByRole("button", { name: "New lab" }).click();
  await page.getByLabel("Lab name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.locator(`.workspace[data-lab="${name}"]`)).toBeVisible();
}
