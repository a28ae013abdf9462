import { simpleLab, startLab } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

test("pull a wire and plug it back from its menu, impair it and clear it; pings show it", async ({ page, labs }) => {
  const name = labs.name("links");
  const { id } = await labs.import(simpleLab(name, 2));
  await startLab(name);
  await page.goto(`/labs/${id}`);
  await expect(page.locator('[data-node="node01"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await expect(page.locator('[data-node="node02"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await page.locator('.react-flow__node[data-id="node01"]').dblclick();
  await waitPrompt(page, "node01");
  await typeLine(page, "node01", "clear; ping -c 2 -W 2 10.0.0.2");
  await expect(screen(page, "node01")).toContainText(/received, 0% packet loss/, { timeout: 20000 });

  const wire = page.locator('.react-flow__edge[data-id="node01:eth0"]');
  const menu = async (item: string) => {
    await wire.click({ button: "right" });
    await page.getByRole("menuitem", { name: item }).click();
  };

  // Pulled: drawn broken, and nothing gets through.
  await menu("Pull link");
  await expect(wire).toHaveClass(/\bpulled\b/);
  await expect(wire.locator('[data-link-fault="pulled"]')).toBeVisible();
  await expect(wire).toHaveAttribute("aria-label", /pulled/);
  await expect(wire.locator("title")).toHaveText("node01 eth0: pulled");
  await typeLine(page, "node01", "clear; ping -c 2 -W 1 10.0.0.2");
  await expect(screen(page, "node01")).toContainText("100% packet loss", { timeout: 20000 });

  // Plugged back: drawn whole again, and pings pass.
  await menu("Plug link back");
  await expect(wire).not.toHaveClass(/\bpulled\b/);
  await expect(wire.locator('[data-link-fault="pulled"]')).toHaveCount(0);
  await typeLine(page, "node01", "clear; ping -c 2 -W 2 10.0.0.2");
  await expect(screen(page, "node01")).toContainText(/received, 0% packet loss/, { timeout: 20000 });

  // Impaired: labelled, and slower (100 ms each way).
  await menu("Impair…");
  const dialog = page.getByRole("dialog", { name: /Impair node01 eth0/ });
  await dialog.getByLabel("Delay ms").fill("100");
  await dialog.getByRole("button", { name: "Impair" }).click();
  await expect(wire).toHaveClass(/\bimpaired\b/);
  await expect(wire.locator(".react-flow__edge-text")).toHaveText("eth0 · 100 ms");
  await typeLine(page, "node01", "clear; ping -c 2 -W 2 10.0.0.2");
  await expect(screen(page, "node01")).toContainText(/time=2\d\d\.\d+ ms/, { timeout: 20000 });
  await menu("Clear impairment");
  await expect(wire).not.toHaveClass(/\bimpaired\b/);
  await expect(wire.locator(".react-flow__edge-text")).toHaveText("eth0");
});
