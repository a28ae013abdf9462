import { serverURL } from "./api";
import { expect, test } from "./fixtures";

test("an image recipe with a file, added on the labs page, lists the file it puts in the guest", async ({ page }) => {
  const name = `rcp${Date.now().toString(36).slice(-6)}`;
  await page.goto("/");
  await page.getByTestId("image-recipe").locator("summary").click();
  const form = page.getByTestId("image-recipe");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Packages").fill("jq");
  await form.getByRole("button", { name: "Add a file" }).click();
  await form.getByLabel("Guest path of file 1").fill("/etc/motd");
  await form.getByLabel("File 1", { exact: true }).setInputFiles({ name: "motd", mimeType: "text/plain", buffer: Buffer.from("welcome to the lab\n") });
  // A path with no file is refused before anything is sent.
  await form.getByRole("button", { name: "Add a file" }).click();
  await form.getByLabel("Guest path of file 2").fill("/etc/issue");
  await form.getByRole("button", { name: "Add and build" }).click();
  await expect(form.getByRole("alert")).toContainText("each file needs its path in the guest and a file to upload (/etc/issue)");
  await form.getByRole("button", { name: "remove" }).nth(1).click();
  await form.getByRole("button", { name: "Add and build" }).click();
  try {
    await expect(form.getByRole("status")).toContainText(`${name} is being built`);
    const row = page.locator("tr", { hasText: name }).locator("td[title]");
    await expect(row).toHaveAttribute("title", /files: \/etc\/motd/);
  } finally {
    // Its build is cancelled with it: no mmdebstrap is left running.
    await fetch(`${serverURL()}/api/images/${name}`, { method: "DELETE", headers: { authorization: `Bearer ${process.env.UMLAB_E2E_TOKEN ?? ""}` } });
  }
});
