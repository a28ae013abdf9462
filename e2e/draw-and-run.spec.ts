import { dropOnCanvas, newLabFromLabsPage, screen, typeLine, waitPrompt, wire } from "./console";
import { expect, test } from "./fixtures";

const highestSeq = async (text: Promise<string>) => Math.max(-1, ...[...(await text).matchAll(/seq=(\d+)/g)].map((m) => Number(m[1])));

test("draw two hosts and a switch, start, ping between the terminals, pause the switch, stop", async ({ page, labs }) => {
  const name = labs.name("drawn");
  labs.track(name);

  // A new lab, from the lab list.
  await newLabFromLabsPage(page, name);

  // Two hosts and a switch from the palette, wired.
  await dropOnCanvas(page, "switch", 420, 120);
  await dropOnCanvas(page, "host", 250, 330);
  await dropOnCanvas(page, "host", 600, 330);
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  await wire(page, "host1", "sw1");
  await wire(page, "host2", "sw1");
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await expect(page.locator(".react-flow__edge-text").first()).toHaveText("eth0");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");

  // Start: every node goes running.
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.locator('[data-node="host1"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await expect(page.locator('[data-node="host2"][data-state="running"]')).toBeVisible({ timeout: 90000 });

  // Both terminals, side by side.
  await page.locator('.react-flow__node[data-id="host1"]').dblclick();
  await page.locator('.react-flow__node[data-id="host2"]').dblclick();
  await page.getByRole("button", { name: "Split host2" }).click();
  await waitPrompt(page, "host1");
  await waitPrompt(page, "host2");
  await typeLine(page, "host1", "ip addr add 10.0.0.1/24 dev eth0 && ip link set eth0 up");
  await typeLine(page, "host2", "ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up");
  await typeLine(page, "host1", "ping -c 3 10.0.0.2");
  await expect(screen(page, "host1")).toContainText("0% packet loss", { timeout: 30000 });

  // A reload brings the terminals back with what they showed.
  await page.reload();
  await expect(screen(page, "host1")).toContainText("0% packet loss");
  await expect(screen(page, "host2")).toContainText("host2:");

  // Pause the switch: the ping stalls; resume: it goes on.
  await typeLine(page, "host1", "clear; ping -i 0.2 10.0.0.2");
  await expect(screen(page, "host1")).toContainText("seq=3", { timeout: 15000 });
  await page.locator('.react-flow__node[data-id="sw1"]').click({ button: "right" });
  await page.getByRole("menuitem", { name: "Pause" }).click();
  await expect(page.locator('[data-switch="sw1"]')).toHaveAttribute("data-paused", "true");
  await page.waitForTimeout(500);
  const paused = await highestSeq(screen(page, "host1").innerText());
  await page.waitForTimeout(2000);
  expect(await highestSeq(screen(page, "host1").innerText())).toBe(paused);
  await page.locator('.react-flow__node[data-id="sw1"]').click({ button: "right" });
  await page.getByRole("menuitem", { name: "Resume" }).click();
  await expect(page.locator('[data-switch="sw1"]')).toHaveAttribute("data-paused", "false");
  await expect.poll(() => highestSeq(screen(page, "host1").innerText()), { timeout: 15000 }).toBeGreaterThan(paused + 2);
  await page.locator('[data-terminal="host1"] .xterm-screen').click();
  await page.keyboard.press("Control+C");

  // Stop: every node stopped.
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(page.getByTestId("lab-state")).toHaveText("stopped", { timeout: 30000 });
  await expect(page.locator('[data-node="host1"]')).toHaveAttribute("data-state", "stopped");
  await expect(page.locator('[data-node="host2"]')).toHaveAttribute("data-state", "stopped");
});
