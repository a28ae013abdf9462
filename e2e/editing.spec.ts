import { getLab, startLab } from "./api";
import { dropOnCanvas, wire } from "./console";
import { expect, test } from "./fixtures";

test("edit on the canvas: inspector, rename, undo and redo, delete key, and everything is saved", async ({ page, labs }) => {
  const name = labs.name("edit");
  const { id } = await labs.import(`umlab: 1\nname: ${name}\n`);
  await page.goto(`/labs/${id}`);
  await dropOnCanvas(page, "hub", 400, 100);
  await dropOnCanvas(page, "router", 250, 320);
  await dropOnCanvas(page, "host", 600, 320);
  await wire(page, "router1", "hub1");
  await wire(page, "host1", "hub1");
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);

  // Two switches cannot be wired directly: the user is told why.
  await dropOnCanvas(page, "switch", 700, 100);
  await wire(page, "sw1", "hub1");
  await expect(page.locator(".banner.notice")).toContainText("Two switches cannot be wired together");
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await wire(page, "host1", "sw1");
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);
  await expect(page.locator(".react-flow__edge-text").filter({ hasText: "eth1" })).toHaveCount(1);

  // Inspector: rename, memory, startup script.
  await page.locator('.react-flow__node[data-id="router1"]').click();
  const inspector = page.getByRole("complementary", { name: "Inspector" });
  await expect(inspector).toHaveAttribute("data-inspect", "router1");
  await inspector.getByLabel("Name").fill("Bad Name");
  await inspector.getByLabel("Name").press("Enter");
  await expect(inspector.locator(".error")).toContainText("lowercase");
  await inspector.getByLabel("Name").fill("r1");
  await inspector.getByLabel("Name").press("Enter");
  await expect(page.locator('.react-flow__node[data-id="r1"]')).toBeVisible();
  await inspector.getByLabel("Memory").fill("96M");
  await inspector.getByLabel("Kernel").selectOption("debian");
  await inspector.getByLabel("Startup script").fill("ip addr add 10.1.0.1/24 dev eth0\nip link set eth0 up");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  let saved = await getLab(name);
  expect(saved.lab.nodes?.r1).toMatchObject({ role: "router", kernel: "debian", mem: "96M", eth: ["hub1"], startup: "ip addr add 10.1.0.1/24 dev eth0\nip link set eth0 up" });
  expect(saved.lab.nodes?.host1).toMatchObject({ eth: ["hub1", "sw1"] });
  expect(saved.lab.nodes?.host1?.role).toBeUndefined();

  // Choosing a default drops the field from the file again.
  await page.locator('.react-flow__node[data-id="hub1"]').click();
  await inspector.getByLabel("Mode").selectOption("switch");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  expect((await getLab(name)).lab.switches?.hub1).toEqual({ pos: expect.any(Array) });
  await inspector.getByLabel("Mode").selectOption("hub");
  await expect(page.locator('[data-switch="hub1"]')).toContainText("hub");

  // Delete key removes the selected switch and unplugs what was wired to it.
  await page.locator('.react-flow__node[data-id="sw1"]').click();
  await page.keyboard.press("Delete");
  await expect(page.locator('.react-flow__node[data-id="sw1"]')).toHaveCount(0);
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);

  // Undo brings it back with its wire, redo takes it away again.
  await page.getByTestId("canvas").click({ position: { x: 30, y: 500 } });
  await page.keyboard.press("Control+z");
  await expect(page.locator('.react-flow__node[data-id="sw1"]')).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);
  await page.keyboard.press("Control+Shift+z");
  await expect(page.locator('.react-flow__node[data-id="sw1"]')).toHaveCount(0);

  // A moved node stays where it was put, after a reload.
  const node = page.locator('.react-flow__node[data-id="host1"]');
  const box = (await node.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 + 80, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  saved = await getLab(name);
  const pos = saved.lab.nodes?.host1?.pos as [number, number];
  expect(saved.lab.switches?.sw1).toBeUndefined();
  await page.reload();
  await expect(page.locator('.react-flow__node[data-id="r1"]')).toBeVisible();
  expect((await getLab(name)).lab.nodes?.host1?.pos).toEqual(pos);

  // Export: the lab file and a picture.
  const [yaml] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export lab.yaml" }).click()]);
  expect(yaml.suggestedFilename()).toBe(`${name}.yaml`);
  const [svg] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "SVG" }).click()]);
  expect(svg.suggestedFilename()).toBe(`${name}.svg`);
  const [png] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "PNG" }).click()]);
  expect(png.suggestedFilename()).toBe(`${name}.png`);
});

test("a running lab: what an edit needs, node menu actions, a crash and its reason", async ({ page, labs }) => {
  const name = labs.name("live");
  const { id } = await labs.import(`umlab: 1\nname: ${name}\nnodes:\n  pc1:\n    eth: [sw1]\n    pos: [200, 300]\nswitches:\n  sw1: { pos: [300, 100] }\n`);
  await startLab(name);
  await page.goto(`/labs/${id}`);
  await expect(page.locator('[data-node="pc1"][data-state="running"]')).toBeVisible({ timeout: 60000 });

  // Add a host while it runs: the banner says it needs starting, one click does it.
  await dropOnCanvas(page, "host", 600, 330);
  await wire(page, "host1", "sw1");
  const changes = page.getByTestId("changes");
  await expect(changes).toContainText("host1: added");
  await changes.getByRole("button", { name: "start host1" }).click();
  await expect(page.locator('[data-node="host1"][data-state="running"]')).toBeVisible({ timeout: 60000 });
  await expect(changes).toHaveCount(0);

  // Crash from the node's menu: the node turns crashed and says why.
  await page.locator('.react-flow__node[data-id="pc1"]').click({ button: "right" });
  await page.getByRole("menuitem", { name: "Crash (kill)" }).click();
  await expect(page.locator('[data-node="pc1"]')).toHaveAttribute("data-state", "crashed", { timeout: 15000 });
  await page.locator('.react-flow__node[data-id="pc1"]').click();
  await expect(page.getByRole("alert").filter({ hasText: "Crashed" })).toContainText("killed by signal 9");

  // Start it again from the menu.
  await page.locator('.react-flow__node[data-id="pc1"]').click({ button: "right" });
  await page.getByRole("menuitem", { name: "Start" }).click();
  await expect(page.locator('[data-node="pc1"][data-state="running"]')).toBeVisible({ timeout: 60000 });

  // The machine console: freeze and thaw.
  await page.locator('.react-flow__node[data-id="pc1"]').click({ button: "right" });
  await page.getByRole("group", { name: "Machine console" }).hover();
  await page.getByRole("menuitem", { name: "Freeze (stop)" }).click();
  await expect(page.locator(".busy")).toHaveCount(0);
  await page.locator('.react-flow__node[data-id="pc1"]').click({ button: "right" });
  await page.getByRole("group", { name: "Machine console" }).hover();
  await page.getByRole("menuitem", { name: "Thaw (go)" }).click();
  await expect(page.locator(".banner.notice")).toHaveCount(0);
});
