import { getLab, simpleLab } from "./api";
import { screen, typeLine, waitPrompt, wire } from "./console";
import { expect, test } from "./fixtures";

test("draw a serial cable between two nodes, start, send a line over it, cut and mend it; a line with no cable has a terminal", async ({ page, labs }) => {
  const name = labs.name("serial");
  const { id } = await labs.import(simpleLab(name, 2));
  await page.goto(`/labs/${id}`);

  // Node to node is a serial cable, on each node's first free line; saved in lab.yaml.
  await wire(page, "node01", "node02");
  const cable = page.locator('.react-flow__edge[data-id="cable:node01.ttyS2"]');
  await expect(cable).toHaveClass(/\bserial\b/);
  await expect(cable.locator(".react-flow__edge-text")).toHaveText("ttyS2 ↔ ttyS2");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  expect((await getLab(name)).lab.cables).toEqual([["node01.ttyS2", "node02.ttyS2"]]);

  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.locator('[data-node="node01"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await expect(page.locator('[data-node="node02"][data-state="running"]')).toBeVisible({ timeout: 90000 });

  // node02 listens on its ttyS2; what node01 writes into its own ttyS2 shows in node02's terminal.
  await page.locator('.react-flow__node[data-id="node02"]').dblclick();
  await waitPrompt(page, "node02");
  await typeLine(page, "node02", "stty -F /dev/ttyS2 raw -echo; cat /dev/ttyS2");
  await page.locator('.react-flow__node[data-id="node01"]').dblclick();
  await waitPrompt(page, "node01");
  await typeLine(page, "node01", "stty -F /dev/ttyS2 raw -echo; echo hello-over-the-cable > /dev/ttyS2");
  await page.locator('[data-tab="node02"] .tab-name').click();
  await expect(screen(page, "node02")).toContainText("hello-over-the-cable", { timeout: 20000 });

  // Cut from the cable's menu: drawn broken, and nothing crosses; mended: it does again.
  const menu = async (item: string) => {
    // The cable hangs below the two nodes: its lowest point is on it.
    const box = (await cable.locator(".react-flow__edge-interaction").boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 4, { button: "right" });
    await page.getByRole("menuitem", { name: item }).click();
  };
  await menu("Cut cable");
  await expect(cable).toHaveClass(/\bcut\b/);
  await expect(cable.locator('[data-cable-fault="cut"]')).toBeVisible();
  await page.locator('[data-tab="node01"] .tab-name').click();
  await typeLine(page, "node01", "echo sent-while-cut > /dev/ttyS2");
  await expect(screen(page, "node01")).toContainText("sent-while-cut");
  await menu("Mend cable");
  await expect(cable).not.toHaveClass(/\bcut\b/);
  await typeLine(page, "node01", "echo sent-after-mend > /dev/ttyS2");
  await page.locator('[data-tab="node02"] .tab-name').click();
  await expect(screen(page, "node02")).toContainText("sent-after-mend", { timeout: 20000 });
  await expect(screen(page, "node02")).not.toContainText("sent-while-cut");

  // A line with no cable: its terminal shows what the guest writes there, and what is typed reaches the guest.
  await page.locator('.react-flow__node[data-id="node01"]').click({ button: "right" });
  await page.getByRole("group", { name: "Serial line terminal" }).hover();
  await expect(page.getByRole("menuitem", { name: /ttyS2 \(cable to node02\.ttyS2\)/ })).toBeDisabled();
  await page.getByRole("menuitem", { name: "ttyS3", exact: true }).click();
  await expect(page.locator('[data-tab="node01.ttyS3"]')).toBeVisible();
  await page.locator('[data-tab="node01"] .tab-name').click();
  await typeLine(page, "node01", "echo out-of-the-guest > /dev/ttyS3; cat /dev/ttyS3");
  await page.locator('[data-tab="node01.ttyS3"] .tab-name').click();
  await expect(screen(page, "node01.ttyS3")).toContainText("out-of-the-guest", { timeout: 20000 });
  await typeLine(page, "node01.ttyS3", "typed-on-the-line");
  await page.locator('[data-tab="node01"] .tab-name').click();
  await expect(screen(page, "node01")).toContainText(/typed-on-the-line\s*$/m, { timeout: 20000 });
});
