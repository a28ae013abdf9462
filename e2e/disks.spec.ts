import type { Page } from "@playwright/test";
import { getLab, simpleLab } from "./api";
import { screen, typeLine, waitPrompt, wire } from "./console";
import { expect, test } from "./fixtures";

/** Drops a Disk from the palette onto the canvas, `below` px under a node, and names it in the inspector. */
async function dropDisk(page: Page, under: string, dx: number, name: string, format: "ext4" | "none", size: string): Promise<void> {
  const canvas = (await page.getByTestId("canvas").boundingBox())!;
  const node = (await page.locator(`.react-flow__node[data-id="${under}"]`).boundingBox())!;
  const x = node.x - canvas.x + dx;
  const y = Math.min(node.y - canvas.y + node.height + 110, canvas.height - 40);
  await page.locator('[data-palette="disk"]').dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
  // New from the palette: disk1, selected, its inspector open.
  await expect(page.locator('.inspector[data-inspect="disk1"]')).toBeVisible();
  await page.getByRole("textbox", { name: "Name" }).fill(name);
  await page.getByRole("textbox", { name: "Name" }).press("Enter");
  await expect(page.locator(`.inspector[data-inspect="${name}"]`)).toBeVisible();
  await page.getByRole("textbox", { name: "Size" }).fill(size);
  if (format !== "none") await page.getByRole("combobox", { name: "Format" }).selectOption(format);
}

const disk = (page: Page, name: string) => page.locator(`.react-flow__node[data-id="${name}"]`);
const line = (page: Page, d: string, node: string) => page.locator(`.react-flow__edge[data-id="disk:${d}:${node}"]`);

/** A node's menu: right-click it, then an item (in a submenu when `group` is given). */
async function nodeMenu(page: Page, node: string, item: string, group?: string): Promise<void> {
  await page.locator(`.react-flow__node[data-id="${node}"]`).click({ button: "right" });
  if (group) await page.getByRole("group", { name: group }).hover();
  await page.getByRole("menuitem", { name: item, exact: true }).click();
}

test("draw a shared disk and a spare from the palette, connect by dragging, start: one node holds it, the other is told; plug the spare from a node's menu; a watchdog reboot shows", async ({ page, labs }) => {
  const name = labs.name("disks");
  const { id } = await labs.import(simpleLab(name, 2));
  await page.goto(`/labs/${id}`);
  await expect(page.locator('.react-flow__node[data-id="node01"]')).toBeVisible();

  // A shared ext4 disk, dragged to both nodes; a blank spare that no node boots with.
  await dropDisk(page, "node01", 60, "shared", "ext4", "64M");
  await expect(disk(page, "shared")).toContainText("64M · ext4");
  await wire(page, "shared", "node01");
  await expect(line(page, "shared", "node01")).toHaveClass(/\bdisk-line\b/);
  await expect(disk(page, "shared")).not.toContainText("shared (");
  await wire(page, "shared", "node02");
  await expect(line(page, "shared", "node02")).toHaveClass(/\bdisk-line\b/);
  // Two nodes boot with it: drawn as shared.
  await expect(disk(page, "shared")).toContainText("64M · ext4 · shared (2)");
  await expect(page.getByTestId("disk-users")).toContainText("node01 (/dev/ubdd)");
  await expect(page.getByTestId("disk-users")).toContainText("node02 (/dev/ubdd)");

  await dropDisk(page, "node02", 160, "spare", "none", "16M");
  await expect(disk(page, "spare")).toContainText("16M · blank");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  // In the lab file: the disks at lab level, each node's list.
  const saved = (await getLab(name)).lab;
  expect(saved.disks).toMatchObject({ shared: { size: "64M", format: "ext4" }, spare: { size: "16M" } });
  expect(saved.disks?.spare?.format).toBeUndefined();
  expect([saved.nodes?.node01?.disks, saved.nodes?.node02?.disks]).toEqual([["shared"], ["shared"]]);

  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.locator('[data-node="node01"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await expect(page.locator('[data-node="node02"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  // In both nodes' first extra slot, open in neither.
  await expect(page.getByTestId("disk-state-shared")).toHaveText("free");
  await expect(page.getByTestId("disk-slots-shared")).toHaveText("node01 /dev/ubdd · node02 /dev/ubdd");
  await expect(line(page, "shared", "node01").locator(".react-flow__edge-text")).toHaveText("ubdd");

  // node01 mounts it and writes: it holds it.
  await page.locator('.react-flow__node[data-id="node01"]').dblclick();
  await waitPrompt(page, "node01");
  // (The quotes keep the typed line from reading as what the file holds.)
  await typeLine(page, "node01", "mount -t ext4 /dev/ubdd /mnt && echo one''-wrote-this > /mnt/f && sync && cat /mnt/f");
  await expect(screen(page, "node01")).toContainText("one-wrote-this", { timeout: 20000 });
  await expect(page.getByTestId("disk-state-shared")).toHaveText("held by node01", { timeout: 10000 });
  await expect(page.locator('[data-disk="shared"]')).toHaveAttribute("data-holder", "node01");
  await expect(line(page, "shared", "node01")).toHaveClass(/\bholds\b/);
  await expect(line(page, "shared", "node01").locator(".react-flow__edge-text")).toHaveText("ubdd · holds it");

  // node02 cannot: its mount fails and its console says who has the disk.
  await page.locator('.react-flow__node[data-id="node02"]').dblclick();
  await waitPrompt(page, "node02");
  await typeLine(page, "node02", "mount -t ext4 /dev/ubdd /mnt; echo mount-rc=$?");
  await expect(screen(page, "node02")).toContainText(/mount-rc=[1-9]/, { timeout: 20000 });
  await expect(screen(page, "node02")).toContainText("[umlab: disk shared is held by node node01", { timeout: 10000 });
  await expect(page.getByTestId("disk-state-shared")).toHaveText("held by node01");

  // The mounted disk cannot be unplugged: the refusal shows as other actions' do.
  await nodeMenu(page, "node01", "Unplug shared (/dev/ubdd)");
  await expect(page.locator(".banner.notice")).toContainText("kept disk shared", { timeout: 15000 });
  await page.locator(".banner.notice").getByRole("button", { name: "dismiss" }).click();

  // The spare, plugged into node02 from its menu: its next free slot, /dev/ubde, seen by the guest.
  await nodeMenu(page, "node02", "spare", "Plug disk");
  await expect(line(page, "spare", "node02")).toHaveClass(/\bhotplug\b/, { timeout: 15000 });
  await expect(line(page, "spare", "node02").locator(".react-flow__edge-text")).toHaveText("ubde");
  await expect(page.getByTestId("disk-slots-spare")).toHaveText("node02 /dev/ubde");
  await expect(page.getByTestId("disk-state-spare")).toHaveText("free");
  // node02, selected by its menu: its inspector lists both.
  await expect(page.getByTestId("node-disks")).toContainText("/dev/ubdd → shared");
  await expect(page.getByTestId("node-disks")).toContainText("/dev/ubde → spare (plugged in while it runs)");
  await typeLine(page, "node02", "clear; grep ubd /proc/partitions");
  await expect(screen(page, "node02")).toContainText(/16384\s+ubde/, { timeout: 15000 });
  await page.screenshot({ path: test.info().outputPath("disks-live.png") });
  // And out again: the line goes.
  await nodeMenu(page, "node02", "Unplug spare (/dev/ubde)");
  await expect(line(page, "spare", "node02")).toHaveCount(0, { timeout: 15000 });
  await expect(page.getByTestId("disk-slots-spare")).toHaveCount(0);

  // A watchdog armed in node02, the node frozen past its margin and thawed: it reboots, shown as the watchdog's doing.
  await typeLine(page, "node02", "modprobe softdog soft_margin=3 && w=$(ls /dev/watchdog[0-9]* | sort | tail -n 1) && { (exec 3>$w; sleep 100000) </dev/null >/dev/null 2>&1 & } && sleep 1 && echo armed-$w");
  await expect(screen(page, "node02")).toContainText(/armed-\/dev\/watchdog\d/, { timeout: 20000 });
  await nodeMenu(page, "node02", "Freeze (stop)", "Machine console");
  await page.waitForTimeout(5000);
  await nodeMenu(page, "node02", "Thaw (go)", "Machine console");
  const badge = page.locator('.react-flow__node[data-id="node02"] [data-reboot="watchdog"]');
  await expect(badge).toBeVisible({ timeout: 30000 });
  await expect(badge).toHaveText("↻ watchdog");
  await expect(badge).toHaveAttribute("title", /^rebooted by its watchdog at \d\d:\d\d:\d\d$/);
  await expect(page.locator('[data-node="node02"][data-state="running"]')).toBeVisible({ timeout: 60000 });
  await page.locator('.react-flow__node[data-id="node02"]').click();
  await expect(page.getByTestId("node-reboot")).toHaveText(/rebooted by its watchdog at \d\d:\d\d:\d\d/);
  // node01 was never rebooted, and still holds the disk.
  await expect(page.locator('.react-flow__node[data-id="node01"] .reboot-badge')).toHaveCount(0);
  await expect(page.getByTestId("disk-state-shared")).toHaveText("held by node01");
});
