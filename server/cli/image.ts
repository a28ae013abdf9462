import type { BuildState } from "../engine/build/build-job";
import type { ImageInfo, ImageStatus } from "../engine/build/image-service";
import { followBuild } from "./follow-build";
import type { ServerRequest } from "./kathara";
import { table } from "./status";

/**
 * `umlab image ls|build NAME`: the guest images with their state, size and
 * date; a build waits, printing each step, unless --no-wait.
 */
export async function imageCommand(rest: string[], request: ServerRequest): Promise<number> {
  const list = async () => ((await (await request("/api/images", { method: "GET" })).json()) as { images: ImageInfo[] }).images;
  if (rest[0] === "ls") {
    const rows = [["NAME", "STATE", "SIZE", "BUILT", "DESCRIPTION"]];
    for (const i of await list()) {
      const state = i.build.state === "building" ? `building ${i.build.progress?.step ?? 1}/${i.build.progress?.steps ?? "?"}` : i.build.state === "failed" ? "build failed" : i.ready ? (i.current ? "ready" : "ready (older)") : "not built";
      rows.push([i.name, state, i.bytes === null ? "-" : `${Math.round(i.bytes / 2 ** 20)} MiB`, i.builtAt?.slice(0, 16).replace("T", " ") ?? "-", i.description]);
    }
    console.log(table(rows));
    for (const i of await list()) if (i.build.state === "failed") console.error(`${i.name}: ${i.build.error}`);
    return 0;
  }
  if (rest[0] !== "build" || !rest[1]) throw new Error("usage: umlab image ls | umlab image build NAME [--no-wait]");
  const name = rest[1];
  let build: BuildState = ((await (await request(`/api/images/${encodeURIComponent(name)}/build`, { method: "POST" })).json()) as ImageStatus).build;
  if (build.state === "done") {
    console.log(`image ${name} is built`);
    return 0;
  }
  if (rest.includes("--no-wait")) {
    console.log(`building image ${name} in the background: \`umlab image ls\` shows how far it is`);
    return 0;
  }
  build = await followBuild(build, async () => (await list()).find((i) => i.name === name)?.build ?? build);
  if (build.state === "failed") throw new Error(`the build of image ${name} failed: ${build.error}`);
  console.log(`image ${name} is built: nodes started from now on use it`);
  return 0;
}
