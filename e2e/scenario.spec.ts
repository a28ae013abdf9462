import { simpleLab, startLab } from "./api";
import { expect, test } from "./fixtures";

const SCENARIO = ["scenario:", "  - at 2s crash node02", "  - at 0.5s pull node01.eth0", "  - at 1.5s plug node01.eth0", ""].join("\n");

test("play a lab's scenario: the log fills as the steps run, and the crashed node is drawn crashed", async ({ page, labs }) => {
  const name = labs.name("scenario");
  const { id } = await labs.import(simpleLab(name, 2) + SCENARIO);
  await page.goto(`/labs/${id}`);

  // Stopped: the button is there, and says why it cannot play.
  const play = page.getByRole("button", { name: "▶ Play scenario" });
  await expect(play).toBeDisabled();
  await expect(play).toHaveAttribute("title", "Start the lab to play its scenario");
  // The steps, one a line, in the lab's inspector.
  await expect(page.getByRole("textbox", { name: "Scenario" })).toHaveValue("at 2s crash node02\nat 0.5s pull node01.eth0\nat 1.5s plug node01.eth0");

  await startLab(name);
  await expect(page.locator('[data-node="node01"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await expect(page.locator('[data-node="node02"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await play.click();

  const log = page.getByTestId("scenario-log");
  await expect(page.getByRole("button", { name: "■ Stop scenario" })).toBeVisible();
  const entries = log.getByTestId("scenario-entry");
  await expect(entries).toHaveCount(3, { timeout: 15000 });
  await expect(entries.nth(0)).toHaveText(/^\+0\.\ds pull node01\.eth0 ok$/);
  await expect(entries.nth(1)).toHaveText(/^\+1\.\ds plug node01\.eth0 ok$/);
  await expect(entries.nth(2)).toHaveText(/^\+2\.\ds crash node02 ok$/);
  await expect(log.getByTestId("scenario-status")).toHaveText("done");
  await expect(page.locator('[data-node="node02"][data-state="crashed"]')).toBeVisible();
  await expect(page.getByRole("button", { name: "▶ Play scenario" })).toBeEnabled();

  // A step the server refuses is shown under its line.
  const editor = page.getByRole("textbox", { name: "Scenario" });
  await editor.fill("at 1s pull node01.eth0\nat 2s crash ghost");
  await expect(page.getByText('line 2: "ghost" is not a node of this lab')).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("Not saved");
});
