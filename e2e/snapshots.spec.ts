import { deleteLab, startLab, stopLab } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

const lab = (name: string) => `umlab: 1\nname: ${name}\nnodes:\n  pc1:\n    eth: [sw1]\n    pos: [200, 120]\nswitches:\n  sw1: {}\n`;

test("a snapshot taken in the workspace brings a node's file and the canvas back when rolled back", async ({ page, labs }) => {
  const name = labs.name("snap");
  const { id } = await labs.import(lab(name));
  await startLab(name);
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await waitPrompt(page, "pc1");
  await typeLine(page, "pc1", "echo kept-$((20+1)) > /root/note");

  await page.getByRole("button", { name: "Snapshots" }).click();
  const panel = page.getByTestId("snapshot-panel");
  await expect(panel).toContainText("No snapshots yet");
  await panel.getByLabel("Snapshot name").fill("before change");
  await panel.getByRole("button", { name: "Take" }).click();
  const entry = panel.locator('[data-testid="snapshot"][data-name="before change"]');
  await expect(entry).toContainText("whole lab");
  await expect(entry).toContainText(/paused \d+ ms/);

  // After the snapshot: the file changes, and a switch is added on the canvas.
  await typeLine(page, "pc1", "clear; echo lost > /root/note");
  await page.locator('[data-palette="switch"]').dragTo(page.getByTestId("canvas"), { targetPosition: { x: 500, y: 300 } });
  await expect(page.locator('.react-flow__node[data-id="sw2"]')).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("Saved");

  page.once("dialog", (d) => void d.accept());
  await entry.getByRole("button", { name: "Roll back" }).click();
  await expect(page.locator('.react-flow__node[data-id="sw2"]')).toHaveCount(0, { timeout: 60000 });
  // The lab was stopped, its disks put back, and started again: once the request is done, pc1 boots.
  await expect(page.locator(".toolbar .busy")).toHaveCount(0, { timeout: 60000 });
  await expect(page.locator('[data-node="pc1"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await typeLine(page, "pc1", "clear; cat /root/note");
  await expect(screen(page, "pc1")).toContainText("kept-21", { timeout: 20000 });
});

test("a lab exported with its disks comes back whole when imported on the labs page", async ({ page, labs }, info) => {
  const name = labs.name("arc");
  const { id } = await labs.import(lab(name));
  await startLab(name);
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await waitPrompt(page, "pc1");
  await typeLine(page, "pc1", "echo saved-$((6*7)) > /root/note; sync");
  await expect(screen(page, "pc1")).toContainText("sync");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export with disks", exact: true }).click()]);
  expect(download.suggestedFilename()).toBe(`${name}.umlab`);
  const file = info.outputPath(`${name}.umlab`);
  await download.saveAs(file);

  // The lab goes away entirely, disks and all; the file brings it back.
  await stopLab(name);
  await deleteLab(name);
  await page.goto("/");
  await page.getByTestId("import-file").setInputFiles(file);
  await page.waitForURL(/\/labs\/(?!.*\/)/);
  await expect(page.locator("h1")).toHaveText(name);
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await page.locator('.react-flow__node[data-id="pc1"]').dblclick();
  await waitPrompt(page, "pc1");
  await typeLine(page, "pc1", "clear; cat /root/note");
  await expect(screen(page, "pc1")).toContainText("saved-42", { timeout: 20000 });
});
