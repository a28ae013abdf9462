import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { io } from "socket.io-client";
import { SOCKET_PATH } from "../server/realtime/protocol";
import { createUser, serverURL, uniqueLabName } from "./api";
import { screen, typeLine, waitPrompt } from "./console";
import { expect, test } from "./fixtures";

const signedOut = { storageState: { cookies: [], origins: [] } };

/**
 * The sample OSPF ring, broken on purpose: node03 lacks its virtual IP, so
 * nobody reaches 10.10.10.3. Two checks say so; a student fixes it in
 * node03's terminal.
 */
function brokenRing(name: string): string {
  const ring = readFileSync(join(import.meta.dirname, "..", "server", "samples", "ospf-ring.yaml"), "utf8");
  const broken = ring.replace(/^name: .*$/m, `name: ${name}`).replace("      ip addr add 10.10.10.3/32 dev dummy0\n", "");
  if (broken.includes("10.10.10.3/32 dev dummy0")) throw new Error("the sample ring changed: update this test");
  return `${broken.trimEnd()}
checks:
  - id: vip3
    description: node01 reaches node03's virtual IP
    points: 2
    wait: 20
    hint: look at node03's dummy0
    reach: { node: node01, to: 10.10.10.3 }
  - id: route3
    wait: 20
    route: { node: node01, to: 10.10.10.3/32 }
`;
}

async function signInAs(browser: Browser, email: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(signedOut);
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-menu")).toBeVisible();
  return { context, page };
}

test("a class: the teacher publishes the OSPF ring with checks, two students work in own instances, the console follows them live", async ({ browser, labs }) => {
  test.setTimeout(300_000);
  const tag = uniqueLabName("cls").slice(4);
  const people = { teacher: `t-${tag}@umlab.test`, a: `a-${tag}@umlab.test`, b: `b-${tag}@umlab.test` };
  await createUser("Tess Teacher", people.teacher, "teacher password", "teacher");
  await createUser("Ann Student", people.a, "student a password");
  await createUser("Ben Student", people.b, "student b password");
  const teacher = await signInAs(browser, people.teacher, "teacher password");
  const a = await signInAs(browser, people.a, "student a password");
  const b = await signInAs(browser, people.b, "student b password");
  let classUrl = "";
  try {
    // The teacher's lab: the broken ring, made with the teacher's own session.
    const ringName = labs.name("ring");
    labs.track(ringName);
    const made = await teacher.page.request.post("/api/labs", { data: brokenRing(ringName), headers: { "content-type": "application/yaml", origin: serverURL() } });
    expect(made.status(), await made.text()).toBe(201);

    // A class, and the ring published to it with a handout.
    const t = teacher.page;
    await t.goto("/classes");
    await t.getByLabel("Class name").fill(`Networks ${tag}`);
    await t.getByRole("button", { name: "New class" }).click();
    await expect(t.getByTestId("join-code")).toHaveText(/^[A-Z2-9]{8}$/);
    classUrl = t.url();
    const joinLink = await t.getByLabel("Join link").inputValue();
    await t.getByLabel("Lab to publish").selectOption(ringName);
    await t.getByLabel("Title").fill("Fix the ring");
    await t.getByLabel("Handout (Markdown)").fill("# Fix the ring\n\nnode01 must reach **10.10.10.3**.");
    await t.getByRole("button", { name: "Publish" }).click();
    await expect(t.locator('[data-assignment="Fix the ring"]')).toBeVisible();

    // Both students join by the link, open their own instance and start it.
    const instances: Record<"a" | "b", string> = { a: "", b: "" };
    for (const [key, s] of [["a", a], ["b", b]] as const) {
      await s.page.goto(joinLink);
      await expect(s.page.locator('[data-assignment="Fix the ring"]')).toBeVisible();
      await s.page.getByRole("button", { name: "Start working" }).click();
      await expect(s.page).toHaveURL(/\/labs\/[a-z0-9]+$/);
      instances[key] = s.page.url().split("/").pop()!;
      labs.track((await s.page.locator(".toolbar h1").textContent())!);
      await expect(s.page.getByTestId("handout")).toContainText("node01 must reach 10.10.10.3");
      await s.page.getByRole("button", { name: "Start", exact: true }).click();
    }
    expect(instances.a).not.toBe(instances.b);

    // The teacher's console shows both, live.
    await t.locator('[data-assignment="Fix the ring"]').getByRole("link", { name: "Teacher console" }).click();
    const rowA = t.locator(`tr[data-student="${people.a}"]`);
    const rowB = t.locator(`tr[data-student="${people.b}"]`);
    await expect(rowA).toHaveAttribute("data-state", "running", { timeout: 60_000 });
    await expect(rowB).toHaveAttribute("data-state", "running", { timeout: 60_000 });
    await expect(rowA.getByTestId("nodes")).toHaveText("4/4 running", { timeout: 90_000 });
    await expect(rowB.getByTestId("nodes")).toHaveText("4/4 running", { timeout: 90_000 });

    // B changes a file (to be undone by the reset); A fixes the ring in node03's terminal.
    await b.page.locator('.react-flow__node[data-id="node01"]').dblclick();
    await waitPrompt(b.page, "node01");
    await typeLine(b.page, "node01", "echo ben-was-here > /root/note");
    await a.page.locator('.react-flow__node[data-id="node03"]').dblclick();
    await waitPrompt(a.page, "node03");
    await typeLine(a.page, "node03", "ip addr add 10.10.10.3/32 dev dummy0 && echo fixed-by-$((40+2))");
    await expect(screen(a.page, "node03")).toContainText("fixed-by-42");

    // The teacher reads A's terminal, read-only.
    await rowA.getByRole("button", { name: "Terminals" }).click();
    const viewer = t.getByTestId("console-viewer");
    await viewer.getByLabel("Node").selectOption("node03");
    await expect(viewer.locator(".xterm-rows")).toContainText("fixed-by-42", { timeout: 20_000 });
    await expect(viewer).toContainText("read-only");
    await viewer.locator(".xterm-screen").click();
    await t.keyboard.type("echo should-not-arrive\n");
    // Taking control: the keystrokes arrive, and A's workspace says who is typing.
    await viewer.getByRole("button", { name: "Take control" }).click();
    await viewer.locator(".xterm-screen").click();
    await t.keyboard.type("echo from-teacher-$((3*3))\n");
    await expect(screen(a.page, "node03")).toContainText("from-teacher-9");
    await expect(a.page.getByTestId("control-notice")).toContainText("Tess Teacher is typing in node03");
    await viewer.getByRole("button", { name: "close" }).click();
    // A message to the class shows in the students' workspaces.
    const message = await t.request.post(`/api/classes/${classUrl.split("/").pop()}/messages`, { data: { text: "ten minutes left" }, headers: { origin: serverURL() } });
    expect(message.status()).toBe(201);
    await expect(a.page.getByTestId("class-message")).toContainText("ten minutes left");
    await expect(b.page.getByTestId("class-message")).toContainText("ten minutes left");

    // A checks the work; the teacher runs everyone's checks: green for A only.
    await a.page.getByTestId("check-my-work").click();
    await expect(a.page.getByTestId("checks-total")).toContainText("3/3 points", { timeout: 60_000 });
    await expect(screen(a.page, "node03")).not.toContainText("should-not-arrive");
    await expect(rowA.locator('td[data-check="vip3"]')).toHaveAttribute("data-passed", "true", { timeout: 30_000 });
    await t.getByRole("button", { name: "Run checks" }).click();
    // B's failing checks retry for their `wait` (20 s each) before they count as failed.
    await expect(t.locator(".busy")).toHaveCount(0, { timeout: 120_000 });
    await expect(rowA.locator('td[data-check="route3"]')).toHaveAttribute("data-passed", "true");
    await expect(rowB.locator('td[data-check="vip3"]')).toHaveAttribute("data-passed", "false");
    await expect(rowA.getByTestId("points")).toHaveText("3/3");
    await expect(rowB.getByTestId("points")).toHaveText("0/3");

    // A cannot reach B's instance: by URL, by API, by socket event.
    await a.page.goto(`/labs/${instances.b}`);
    await expect(a.page.getByRole("alert").filter({ hasText: /./ })).toContainText("no lab");
    expect((await a.page.request.get(`/api/labs/${instances.b}`)).status()).toBe(404);
    expect((await a.page.request.post(`/api/labs/${instances.b}/nodes/node01/exec`, { data: { script: "id" }, headers: { origin: serverURL() } })).status()).toBe(404);
    const cookie = (await a.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const sock = io(serverURL(), { path: SOCKET_PATH, transports: ["websocket"], forceNew: true, extraHeaders: { origin: serverURL(), cookie } });
    try {
      const sub = await new Promise<{ ok: boolean }>((r) => sock.emit("lab:subscribe", { lab: instances.b }, r));
      expect(sub.ok).toBe(false);
      const att = await new Promise<{ ok: boolean }>((r) => sock.emit("console:attach", { lab: instances.b, node: "node01" }, r));
      expect(att.ok).toBe(false);
    } finally {
      sock.close();
    }

    // The teacher resets B: B's node01 is back to the published state.
    t.once("dialog", (d) => void d.accept());
    await rowB.getByRole("button", { name: "Reset" }).click();
    await expect(t.locator(".busy")).toHaveCount(0, { timeout: 120_000 });
    await expect(rowB.getByTestId("nodes")).toHaveText("4/4 running", { timeout: 90_000 });
    await b.page.reload();
    await expect(b.page.locator('[data-node="node01"][data-state="running"]')).toBeVisible({ timeout: 60_000 });
    await b.page.locator('.react-flow__node[data-id="node01"]').dblclick();
    await waitPrompt(b.page, "node01");
    await typeLine(b.page, "node01", "cat /root/note || echo no-note-$((1+1))");
    await expect(screen(b.page, "node01")).toContainText("no-note-2", { timeout: 20_000 });
  } finally {
    // The class goes first: a published lab is kept while its assignment exists.
    if (classUrl) await teacher.page.request.delete(`/api/classes/${classUrl.split("/").pop()}`, { headers: { origin: serverURL() } });
    for (const s of [teacher, a, b]) await s.context.close();
  }
});
