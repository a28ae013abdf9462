import { createServer } from "node:http";
import { dropOnCanvas, newLabFromLabsPage, screen, typeLine, waitPrompt, wire } from "./console";
import { expect, test } from "./fixtures";

test("draw a host, a switch and an Internet gateway; the host gets an address by DHCP and reaches the one host port the lab opens, not another", async ({ page, labs }) => {
  // What the host offers on its loopback, which the gateway shows guests as 10.0.2.2.
  const answer = `hello from the host ${Date.now()}`;
  const server = createServer((_req, res) => res.end(`${answer}\n`));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  // A second service on the host that the lab does not open: guests must not reach it.
  const secret = createServer((_req, res) => res.end("secret\n"));
  await new Promise<void>((r) => secret.listen(0, "127.0.0.1", r));
  const closed = (secret.address() as { port: number }).port;
  try {
    const name = labs.name("gateway");
    labs.track(name);
    await newLabFromLabsPage(page, name);

    await dropOnCanvas(page, "switch", 420, 120);
    await dropOnCanvas(page, "host", 250, 330);
    await dropOnCanvas(page, "gateway", 600, 330);
    await expect(page.locator(".react-flow__node")).toHaveCount(3);
    await expect(page.locator('[data-gateway="internet1"]')).toContainText("internet1");

    // A gateway goes on a switch, never on a node.
    await wire(page, "internet1", "host1");
    await expect(page.getByRole("status").filter({ hasText: "A gateway is wired to a switch, not to a node" })).toBeVisible();
    await expect(page.locator(".react-flow__edge")).toHaveCount(0);

    await wire(page, "host1", "sw1");
    await wire(page, "internet1", "sw1");
    await expect(page.locator(".react-flow__edge")).toHaveCount(2);
    await expect(page.locator(".react-flow__edge.uplink")).toHaveCount(1);
    await expect(page.getByTestId("save-state")).toHaveText("Saved");

    // Its inspector says how nodes on its switch use it.
    await page.locator('.react-flow__node[data-id="internet1"]').click();
    const inspector = page.getByRole("complementary", { name: "Inspector" });
    await expect(inspector.getByRole("heading", { name: "Internet gateway" })).toBeVisible();
    await expect(inspector.getByTestId("gateway-switch")).toContainText("sw1");
    await expect(inspector).toContainText("Nodes on sw1: udhcpc -i eth0");
    await expect(inspector.getByLabel("DHCP")).toBeChecked();
    await expect(inspector).toContainText("The host is closed to this lab's guests.");
    await inspector.getByLabel("Host ports guests may reach").fill(String(port));
    await expect(page.getByTestId("save-state")).toHaveText("Saved");

    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expect(page.locator('[data-node="host1"][data-state="running"]')).toBeVisible({ timeout: 90000 });
    await expect(page.locator('[data-gateway="internet1"]')).toHaveAttribute("data-state", "running");

    await page.locator('.react-flow__node[data-id="host1"]').dblclick();
    await waitPrompt(page, "host1");
    await typeLine(page, "host1", "udhcpc -i eth0");
    await typeLine(page, "host1", "ip -4 addr show eth0");
    await expect(screen(page, "host1")).toContainText("inet 10.0.2.15/24", { timeout: 30000 });
    await typeLine(page, "host1", `wget -q -O - http://10.0.2.2:${port}/`);
    await expect(screen(page, "host1")).toContainText(answer, { timeout: 30000 });
    await typeLine(page, "host1", `wget -q -O - http://10.0.2.2:${closed}/ || echo closed-$((40+2))`);
    await expect(screen(page, "host1")).toContainText("closed-42", { timeout: 30000 });
    await expect(screen(page, "host1")).not.toContainText("secret");

    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await expect(page.getByTestId("lab-state")).toHaveText("stopped", { timeout: 30000 });
    await expect(page.locator('[data-gateway="internet1"]')).toHaveAttribute("data-state", "stopped");
  } finally {
    await new Promise((r) => server.close(r));
    await new Promise((r) => secret.close(r));
  }
});
