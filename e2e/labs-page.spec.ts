import { simpleLab } from "./api";
import { expect, test } from "./fixtures";

test("the home page lists a lab imported through the API", async ({ page, labs }) => {
  const name = labs.name("listed");
  await labs.import(simpleLab(name));
  await page.goto("/");
  // Rows carry data-lab="<name>" (kept by the console's rewrite).
  const row = page.locator(`[data-lab="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(name);
});
