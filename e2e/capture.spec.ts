import { readFileSync } from "node:fs";
import { simpleLab, startLab } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

test("capture a switch from its menu: ICMP rows live, a display filter, Wireshark's tree of a packet, the pcapng", async ({ page, labs }) => {
  const name = labs.name("capture");
  const { id } = await labs.import(simpleLab(name, 2));
  await startLab(name);
  await page.goto(`/labs/${id}`);
  await expect(page.locator('[data-node="node01"][data-state="running"]')).toBeVisible({ timeout: 90000 });
  await expect(page.locator('[data-node="node02"][data-state="running"]')).toBeVisible({ timeout: 90000 });

  // No decoder is fetched before a capture view opens.
  const wasm: string[] = [];
  page.on("request", (r) => void (r.url().includes("/wiregasm/") && wasm.push(r.url())));

  const sw1 = page.locator('.react-flow__node[data-id="sw1"]');
  await sw1.click({ button: "right" });
  expect(wasm).toEqual([]);
  await page.getByRole("menuitem", { name: "Capture", exact: true }).click();
  const panel = page.getByTestId("capture-panel");
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId("capture-state")).toHaveText("running");

  await page.locator('.react-flow__node[data-id="node01"]').dblclick();
  await waitPrompt(page, "node01");
  await typeLine(page, "node01", "clear; ping -c 3 -W 2 10.0.0.2");
  await expect(screen(page, "node01")).toContainText(/3 packets transmitted, 3 (packets )?received/, { timeout: 30000 });

  // Live rows: three requests and three replies, as the engine parsed them.
  const rows = panel.getByTestId("packet-row");
  const icmp = panel.locator('[data-testid="packet-row"][data-protocol="ICMP"]');
  await expect.poll(() => icmp.count(), { timeout: 15000 }).toBeGreaterThanOrEqual(6);
  await expect(icmp.filter({ hasText: "Echo (ping) request" }).first()).toContainText("10.0.0.1");
  await expect(icmp.filter({ hasText: "Echo (ping) reply" }).first()).toContainText("10.0.0.2");
  // The count on the captured switch.
  await expect(sw1.getByTestId("capture-count")).toHaveText(/^[1-9]\d*/);

  // Wireshark's display filter: the requests only.
  await panel.getByLabel("Display filter").fill("icmp.type == 8");
  await panel.getByRole("button", { name: "Apply" }).click();
  await expect(panel.getByTestId("capture-status")).toContainText('filter "icmp.type == 8": 3 shown', { timeout: 90000 });
  await expect(rows).toHaveCount(3);
  for (const text of await rows.allInnerTexts()) expect(text).toMatch(/Echo \(ping\) request/);
  // Fetched once, however many times it decoded.
  expect(wasm.filter((u) => u.endsWith("wiregasm.wasm.gz"))).toHaveLength(1);

  // A filter that is not one says why, and the list stays.
  await panel.getByLabel("Display filter").fill("icmp.type ==");
  await panel.getByRole("button", { name: "Apply" }).click();
  await expect(panel.getByRole("alert")).toContainText("icmp.type ==");
  await expect(rows).toHaveCount(3);

  // One packet, dissected: its IP header fields and its bytes.
  await rows.first().click();
  const detail = panel.getByTestId("packet-detail");
  await expect(detail).toContainText("Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2", { timeout: 30000 });
  await expect(detail).toContainText("Source Address: 10.0.0.1");
  await expect(detail).toContainText("Destination Address: 10.0.0.2");
  await expect(detail).toContainText("Time to Live: 64");
  await expect(detail).toContainText("Type: 8 (Echo (ping) request)");
  await expect(detail.locator(".hex-line").first()).toBeVisible();

  // The pcapng, while the capture runs.
  const [download] = await Promise.all([page.waitForEvent("download"), panel.getByRole("link", { name: "Download pcapng" }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.pcapng$/);
  const file = readFileSync((await download.path())!);
  expect(file.subarray(0, 4).toString("hex")).toBe("0a0d0d0a");

  // Stopped from the switch's menu: the rows stay.
  await sw1.click({ button: "right" });
  await page.getByRole("menuitem", { name: "Stop capture" }).click();
  await expect(panel.getByTestId("capture-state")).toHaveText("stopped");
  await expect(rows).toHaveCount(3);

  // A wire: its own capture, the panel on it, its count on the wire.
  const wire = page.locator('.react-flow__edge[data-id="node01:eth0"]');
  await wire.click({ button: "right" });
  await page.getByRole("menuitem", { name: "Capture", exact: true }).click();
  await expect(panel.getByLabel("Capture shown")).toContainText("link node01.eth0 (running)");
  await typeLine(page, "node01", "clear; ping -c 1 -W 2 10.0.0.2");
  await expect(panel.locator('[data-testid="packet-row"][data-protocol="ICMP"]')).toHaveCount(2, { timeout: 15000 });
  await expect(wire.getByTestId("capture-count")).toBeVisible();
  await wire.click({ button: "right" });
  await expect(page.getByRole("menuitem", { name: "Stop capture" })).toBeVisible();
});

test("a uml_switch's menu says why it cannot be captured", async ({ page, labs }) => {
  const name = labs.name("capture-uml");
  const yaml = simpleLab(name, 1).replace("  sw1: {}", "  sw1: { kind: uml_switch }");
  const { id } = await labs.import(yaml);
  await page.goto(`/labs/${id}`);
  await page.locator('.react-flow__node[data-id="sw1"]').click({ button: "right" });
  const entry = page.getByRole("menuitem", { name: "Capture", exact: true });
  await expect(entry).toBeDisabled();
  await expect(entry).toHaveAttribute("title", /uml_switch cannot be captured without root: make it a vde switch/);
  await expect(page.getByRole("menu")).toContainText("make it a vde switch");
});
