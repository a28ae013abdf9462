import { cli, simpleLab } from "./api";
import { expect, test } from "./fixtures";

test("an open canvas shows what the CLI does: a node started in a stopped lab, a switch paused and resumed", async ({ page, labs }) => {
  const name = labs.name("live");
  const { id } = await labs.import(simpleLab(name, 2));
  await page.goto(`/labs/${id}`);
  const node = page.locator('[data-node="node01"]');
  await expect(node).toHaveAttribute("data-state", "stopped");
  await expect(page.getByTestId("lab-state")).toHaveText("stopped");

  // From another terminal: one node of the stopped lab. The lab comes up with it, on the page too.
  const started = cli("node", name, "node01", "start");
  expect(started.status, started.stderr).toBe(0);
  await expect(node).toHaveAttribute("data-state", "running", { timeout: 90_000 });
  await expect(page.locator('[data-node="node02"]')).toHaveAttribute("data-state", "stopped");
  await expect(page.getByTestId("lab-state")).toHaveText("running");

  const sw = page.locator('.react-flow__node[data-id="sw1"] .lab-switch');
  await expect(sw).toHaveAttribute("data-paused", "false");
  expect(cli("switch", name, "sw1", "pause").status).toBe(0);
  await expect(sw).toHaveAttribute("data-paused", "true");
  await expect(sw).toContainText("paused");
  expect(cli("switch", name, "sw1", "resume").status).toBe(0);
  await expect(sw).toHaveAttribute("data-paused", "false");

  expect(cli("stop", name).status).toBe(0);
  await expect(node).toHaveAttribute("data-state", "stopped", { timeout: 30_000 });
  await expect(page.getByTestId("lab-state")).toHaveText("stopped");
});
