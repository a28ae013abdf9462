import { readFileSync } from "node:fs";
import { startLabServer } from "../scripts/lab-server";
import { listLabs, removeLab, uniqueLabName } from "./api";
import { newLabFromLabsPage } from "./console";
import { expect, test } from "./fixtures";

/** A context with nobody signed in (the config signs every other one in as the admin). */
const signedOut = { storageState: { cookies: [], origins: [] } };

test("first run: the setup code from the server's log makes the admin; sign out, a wrong password, sign in", async ({ browser }, info) => {
  const log = info.outputPath("first-run-server.log");
  const server = await startLabServer({ samples: false, name: "e2e-first-run", log });
  const context = await browser.newContext(signedOut);
  try {
    const code = /setup code (\S+)/.exec(readFileSync(log, "utf8"))?.[1];
    expect(code, "npm start prints the setup code").toBeTruthy();
    const page = await context.newPage();
    await page.goto(server.url);
    await expect(page).toHaveURL(/\/setup$/);
    await page.getByLabel("Setup code").fill("not-the-code");
    await page.getByLabel("Your name").fill("Grace");
    await page.getByLabel("Email").fill("grace@umlab.test");
    await page.getByLabel("Password (8 characters or more)").fill("grace's password");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page.getByRole("alert").filter({ hasText: /./ })).toContainText("not the setup code");
    await page.getByLabel("Setup code").fill(code!);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page.getByTestId("account-menu")).toContainText("Grace");
    await expect(page.getByTestId("account-menu")).toContainText("admin");

    await page.getByTestId("account-menu").click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto(server.url);
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.getByLabel("Email").fill("grace@umlab.test");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: /./ })).toBeVisible();
    await page.getByLabel("Password").fill("grace's password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "New lab" })).toBeVisible();
    // The setup page is gone for good.
    await page.goto(`${server.url}/setup`);
    await expect(page).toHaveURL(/\/login$|\/$/);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a student made on the admin page, in another browser, sees none of the admin's labs, and the admin sees the student's", async ({ page, browser }) => {
  const email = `${uniqueLabName("stu")}@umlab.test`;
  await page.goto("/admin");
  const form = page.getByRole("form", { name: "new user" });
  await form.getByLabel("Name").fill("Stu Dent");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill("student password");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("users")).toContainText(email);
  await expect(page.getByLabel(`role of ${email}`)).toHaveValue("student");

  await page.goto("/");
  await expect(page.locator('[data-lab="two-hosts"]')).toBeVisible();
  await expect(page.getByText("Build a kernel")).toBeVisible();
  const samples = await listLabs();
  const two = samples.find((l) => l.name === "two-hosts")!;

  const context = await browser.newContext(signedOut);
  const mine = uniqueLabName("stu-lab");
  try {
    const student = await context.newPage();
    await student.goto("/");
    await expect(student).toHaveURL(/\/login/);
    await student.getByLabel("Email").fill(email);
    await student.getByLabel("Password").fill("student password");
    await student.getByRole("button", { name: "Sign in" }).click();
    await expect(student.getByTestId("account-menu")).toContainText("student");
    await expect(student.locator("[data-lab]")).toHaveCount(0);
    // Students build neither kernels nor images: the page does not offer it.
    await expect(student.getByTestId("kernel-status")).toBeVisible();
    await expect(student.getByText("Build a kernel")).toHaveCount(0);
    await student.goto(`/labs/${two.id}`);
    await expect(student.getByRole("alert").filter({ hasText: /./ })).toContainText("no lab");
    await student.goto("/admin");
    await expect(student.getByText("404")).toBeVisible();

    await newLabFromLabsPage(student, mine);
    await page.goto("/");
    await expect(page.locator(`[data-lab="${mine}"]`)).toBeVisible();
  } finally {
    await context.close();
    await removeLab(mine);
  }
});
