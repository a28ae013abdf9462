import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readArchive, writeTarGz } from "../server/labfile/archive";
import { getLab, listLabs } from "./api";
import { expect, test } from "./fixtures";

test("import a Kathará lab folder from the labs page: the lab is listed, what did not come over is shown; export it back", async ({ page, labs }) => {
  const name = labs.name("kathara");
  labs.track(name);
  const root = mkdtempSync(join(tmpdir(), "umlab-e2e-kathara-"));
  try {
    // The folder's name is the lab's.
    const dir = join(root, name);
    mkdirSync(join(dir, "pc1", "etc"), { recursive: true });
    writeFileSync(join(dir, "lab.conf"), 'LAB_DESCRIPTION="two hosts from Kathara"\npc1[0]=LAN\npc2[0]=LAN\npc2[cpus]=2\n');
    writeFileSync(join(dir, "pc1.startup"), "ip addr add 10.0.0.1/24 dev eth0\n");
    writeFileSync(join(dir, "pc1", "etc", "motd"), "hello\n");
    await page.goto("/");

    // A broken archive is refused with its file and line, and nothing is created.
    const broken = await writeTarGz({ "lab.conf": "pc1[0]=LAN\npc1[0] LAN\n" }, name);
    await page.getByTestId("import-kathara-archive").setInputFiles({ name: `${name}.tar.gz`, mimeType: "application/gzip", buffer: broken });
    await expect(page.locator(".banner.error")).toContainText("lab.conf:2: malformed line");
    expect((await listLabs()).some((l) => l.name === name)).toBe(false);

    await page.getByTestId("import-kathara-folder").setInputFiles(dir);
    const warnings = page.getByTestId("import-warnings");
    await expect(warnings).toContainText(`Imported ${name}`);
    await expect(warnings).toContainText("pc2[cpus]=2 (lab.conf:4) is not supported: a UML node has one CPU");
    await expect(page.locator(".banner.error")).toHaveCount(0);
    const row = page.locator(`[data-lab="${name}"]`);
    await expect(row).toContainText("two hosts from Kathara");
    const lab = await getLab(name);
    expect(lab.lab.nodes?.pc1).toEqual({ role: "router", image: "kathara", mem: "128M", eth: ["lan"], startup: "ip addr add 10.0.0.1/24 dev eth0\n", files: { "/etc/motd": "hello\n" } });
    await warnings.getByRole("button", { name: "Dismiss" }).click();
    await expect(warnings).toHaveCount(0);

    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: "Export Kathará" }).click()]);
    expect(download.suggestedFilename()).toBe(`${name}.tar.gz`);
    const { files } = await readArchive(readFileSync((await download.path())!));
    expect(files[`${name}/lab.conf`].toString()).toContain('pc1[0]="lan"');
    expect(files[`${name}/pc1/etc/motd`].toString()).toBe("hello\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
