import { test as base } from "@playwright/test";
import type { LabDetail } from "../server/api/lab-service";
import { importLab, removeLab, uniqueLabName } from "./api";

export interface Labs {
  /** A lab name no other test uses. */
  name(prefix?: string): string;
  /** Imports a lab file through the HTTP API; the lab is stopped and deleted after the test, pass or fail. */
  import(yaml: string): Promise<LabDetail>;
  /** A lab the test makes through the UI, to be cleaned up the same way. */
  track(name: string): void;
}

/**
 * `test` for every spec: Playwright's, with a `labs` fixture that cleans up
 * the labs a test imported (so one spec's labs never show in another's page).
 */
export const test = base.extend<{ labs: Labs }>({
  labs: async ({}, use) => {
    const created = new Set<string>();
    await use({
      name: uniqueLabName,
      async import(yaml) {
        const lab = await importLab(yaml);
        created.add(lab.name);
        return lab;
      },
      track: (name) => void created.add(name),
    });
    for (const name of [...created].reverse()) await removeLab(name);
  },
});

export { expect } from "@playwright/test";
