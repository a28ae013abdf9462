import { createUser, execIn, startLab, uniqueLabName } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

/** A context with nobody signed in (the config signs every other one in as the admin). */
const signedOut = { storageState: { cookies: [], origins: [] } };

const lab = (name: string) => `umlab: 1\nname: ${name}\nnodes:\n  pc1:\n    eth: [sw1]\n    pos: [200, 120]\nswitches:\n  sw1: {}\n`;

test("a share link: another user sees the lab read-only, forks it, starts the fork and finds the file; revoked, it opens nothing", async ({ page, browser, labs }) => {
  const name = labs.name("shr");
  const { id } = await labs.import(lab(name));
  await startLab(name);
  await execIn(name, "pc1", ["sh", "-c", "echo shared-$((40+2)) > /root/note; sync"]);

  // The owner makes a link in the workspace.
  await page.goto(`/labs/${id}`);
  await page.getByRole("button", { name: "Share", exact: true }).click();
  const panel = page.getByTestId("share-panel");
  await expect(panel).toContainText("No links yet");
  await expect(panel.getByLabel("What forks get")).toHaveValue("snapshot");
  await panel.getByLabel("Expires").selectOption("7d");
  await panel.getByRole("button", { name: "Create link" }).click();
  const entry = panel.getByTestId("share-link");
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText("forks: disks as shared");
  await expect(entry).toContainText("0 forks");
  const url = await entry.getByLabel("Share link").inputValue();
  expect(url).toMatch(/\/share\/[A-Za-z0-9_-]{32}$/);

  // Another user, in another browser: the link opens the lab read-only.
  const email = `${uniqueLabName("sharee")}@umlab.test`;
  await createUser("Sha Ree", email, "sharee password");
  const context = await browser.newContext(signedOut);
  const passer = await browser.newContext(signedOut);
  try {
    const other = await context.newPage();
    await other.goto(url);
    await expect(other.locator(".toolbar h1")).toHaveText(name);
    await other.getByRole("link", { name: "Sign in to fork" }).click();
    await other.getByLabel("Email").fill(email);
    await other.getByLabel("Password").fill("sharee password");
    await other.getByRole("button", { name: "Sign in" }).click();
    await expect(other).toHaveURL(url);
    await expect(other.getByText("read-only")).toBeVisible();
    await expect(other.getByTestId("lab-state")).toHaveText("running");
    const node = other.locator('.react-flow__node[data-id="pc1"]');
    await expect(node).toBeVisible();
    await expect(other.locator('[data-node="pc1"][data-state="running"]')).toBeVisible();
    // Nothing opens a terminal or changes the lab: no palette, no menu, no drag, no delete.
    await expect(other.locator("[data-palette]")).toHaveCount(0);
    const at = async () => {
      const [n, w] = [(await node.boundingBox())!, (await other.locator('.react-flow__node[data-id="sw1"]').boundingBox())!];
      return { x: n.x - w.x, y: n.y - w.y };
    };
    const relBefore = await at();
    // (Where a node is drawn, the pointer meets the pane: a read-only node takes no pointer events.)
    await node.dblclick({ force: true });
    await node.click({ button: "right", force: true });
    await expect(other.locator("[data-terminal]")).toHaveCount(0);
    await expect(other.getByRole("menu")).toHaveCount(0);
    const before = (await node.boundingBox())!;
    await other.mouse.move(before.x + before.width / 2, before.y + before.height / 2);
    await other.mouse.down();
    await other.mouse.move(before.x + 200, before.y + 150, { steps: 5 });
    await other.mouse.up();
    await node.click({ force: true });
    await other.keyboard.press("Delete");
    await expect(node).toHaveCount(1);
    // A drag there pans the view, which moves every element alike: the node keeps its place beside the switch.
    const relAfter = await at();
    expect(Math.round(relAfter.x)).toBe(Math.round(relBefore.x));
    expect(Math.round(relAfter.y)).toBe(Math.round(relBefore.y));
    // The link is no key to the lab itself.
    expect((await other.request.get(`/api/labs/${id}`)).status()).toBe(404);

    // The fork: a lab of their own, with the disks as shared.
    await other.getByRole("button", { name: "Fork into my labs" }).click();
    await expect(other).toHaveURL(/\/labs\/[a-z0-9]+$/);
    const fork = (await other.locator(".toolbar h1").textContent())!;
    labs.track(fork);
    expect(fork).toMatch(new RegExp(`^${name.slice(0, 20)}.*-sha-ree`));
    await other.getByRole("button", { name: "Start", exact: true }).click();
    await expect(other.locator('[data-node="pc1"][data-state="running"]')).toBeVisible({ timeout: 90000 });
    await other.locator('.react-flow__node[data-id="pc1"]').dblclick();
    await waitPrompt(other, "pc1");
    await typeLine(other, "pc1", "cat /root/note");
    await expect(screen(other, "pc1")).toContainText("shared-42", { timeout: 20000 });

    // The owner sees the fork counted, and revokes the link.
    await page.getByRole("button", { name: "Share", exact: true }).click();
    await page.getByRole("button", { name: "Share", exact: true }).click();
    await expect(entry).toContainText("1 fork");
    page.once("dialog", (d) => void d.accept());
    await entry.getByRole("button", { name: "revoke" }).click();
    await expect(entry).toHaveCount(0);

    // Anyone who opens it now finds nothing; the fork stays its owner's.
    const late = await passer.newPage();
    await late.goto(url);
    await expect(late.getByTestId("share-gone")).toContainText("revoked");
    await other.goto(url);
    await expect(other.getByTestId("share-gone")).toContainText("revoked");
    await other.goto("/");
    await expect(other.locator(`[data-lab="${fork}"]`)).toBeVisible();
  } finally {
    await context.close();
    await passer.close();
  }
});
