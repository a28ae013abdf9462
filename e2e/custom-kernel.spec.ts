import { getLab } from "./api";
import { expect, test } from "./fixtures";

// The custom kernel umlab-test is built by provisioning (scripts/build-kernel.mts --test).
test("custom kernels: the labs page lists them and names a bad fragment line; the inspector offers them", async ({ page, labs }) => {
  await page.goto("/");
  await expect(page.getByTestId("kernel-status")).toContainText("Custom kernels: umlab-test.");
  const form = page.getByTestId("kernel-build");
  await form.locator("summary").click();
  await form.getByLabel("Name").fill("e2ek");
  await form.getByLabel("Configuration fragment").fill("CONFIG_NET_SCH_CAKE=m\nnot an option\n");
  await form.getByRole("button", { name: "Build" }).click();
  await expect(form.getByRole("alert")).toContainText('line 2: "not an option" is not CONFIG_X=y|m|n|"text"|number');

  const name = labs.name("kern");
  const { id } = await labs.import(`umlab: 1\nname: ${name}\nnodes:\n  a: {}\n  b:\n    kernel: nosuchk\n`);
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="a"]').click();
  const inspector = page.getByRole("complementary", { name: "Inspector" });
  const kernel = inspector.getByLabel("Kernel");
  await expect(kernel.locator("option")).toHaveText(["default: fast once built, else Debian's", "fast (umlab's own)", "Debian's user-mode-linux", "umlab-test (custom)"]);
  await kernel.selectOption("umlab-test");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  expect((await getLab(name)).lab.nodes?.a).toMatchObject({ kernel: "umlab-test" });

  // A kernel the lab names but the server has not built is kept, and said so.
  await page.locator('.react-flow__node[data-id="b"]').click();
  await expect(kernel).toHaveValue("nosuchk");
  await expect(kernel.locator("option:checked")).toHaveText("nosuchk (custom, not built)");
  await expect(inspector).toContainText("kernel nosuchk is not built");
});
