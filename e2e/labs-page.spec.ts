import { getLab, listLabs, simpleLab } from "./api";
import { expect, test } from "./fixtures";

test("the home page lists a lab imported through the API", async ({ page, labs }) => {
  const name = labs.name("listed");
  await labs.import(simpleLab(name));
  await page.goto("/");
  const row = page.locator(`[data-lab="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(name);
});

test("import a lab.yaml, start and stop it, duplicate it and delete the copy with confirmation", async ({ page, labs }) => {
  const name = labs.name("imp");
  const copy = `${name}-b`;
  labs.track(name);
  labs.track(copy);
  await page.goto("/");

  // A broken file is refused with its line, and nothing is created.
  await page.getByTestId("import-file").setInputFiles({ name: "broken.yaml", mimeType: "application/yaml", buffer: Buffer.from(`umlab: 1\nname: ${name}\nnodes:\n  a:\n    mem: lots\n`) });
  await expect(page.locator(".banner.error")).toContainText("broken.yaml:5");
  expect((await listLabs()).some((l) => l.name === name)).toBe(false);

  await page.getByTestId("import-file").setInputFiles({ name: "lab.yaml", mimeType: "application/yaml", buffer: Buffer.from(simpleLab(name)) });
  await expect(page.locator(`.workspace[data-lab="${name}"]`)).toBeVisible();
  await page.getByRole("link", { name: "umlab" }).click();

  const row = page.locator(`[data-lab="${name}"]`);
  await row.getByRole("button", { name: "Start" }).click();
  await expect(row.getByTestId("state")).toHaveText("running", { timeout: 60000 });
  await expect(row.getByRole("button", { name: "Delete" })).toBeDisabled();
  await row.getByRole("button", { name: "Stop" }).click();
  await expect(row.getByTestId("state")).toHaveText("stopped", { timeout: 60000 });

  await row.getByRole("button", { name: "Duplicate" }).click();
  await page.getByLabel("Lab name").fill(name);
  await page.getByRole("button", { name: "Duplicate", exact: true }).last().click();
  await expect(page.locator(".banner.error")).toContainText("already exists");
  await page.getByLabel("Lab name").fill(copy);
  await page.getByRole("button", { name: "Duplicate", exact: true }).last().click();
  const copyRow = page.locator(`[data-lab="${copy}"]`);
  await expect(copyRow).toBeVisible();
  expect((await getLab(copy)).nodes).toBe((await getLab(name)).nodes);

  await copyRow.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: `Delete ${copy}` });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(copyRow).toBeVisible();
  await copyRow.getByRole("button", { name: "Delete" }).click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(copyRow).toHaveCount(0);
  expect((await listLabs()).some((l) => l.name === copy)).toBe(false);
});

test("the sample labs are there on first start, and the page says which kernel nodes boot", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("kernel-status")).toContainText("Nodes boot umlab's fast kernel (6.1.");
  await expect(page.locator('[data-lab="two-hosts"]')).toBeVisible();
  await expect(page.locator('[data-lab="three-hosts-hub"]')).toBeVisible();
});
