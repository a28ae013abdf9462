import { writeFileSync } from "node:fs";
import type { CaptureInfo, CaptureTarget } from "../engine/capture/types";
import type { ServerRequest } from "./kathara";
import { table } from "./status";
import { takeOption } from "./args";

export const CAPTURE_USAGE = `  capture LAB TARGET start [--ring MIB]
                                  capture a switch or hub (TARGET: its name), one link
                                  (NODE.ethN) or a serial cable (NODE.ttySN, either end) of a
                                  running lab; held in a ring of MIB (default 16): the
                                  oldest go first
  capture LAB ls                  the lab's captures: id, what, state, packets
  capture LAB TARGET|ID pcap [-o FILE]
                                  what the capture holds as pcapng (Wireshark, tshark; a
                                  cable's as text), while it runs or after; FILE defaults to
                                  LAB-TARGET.pcapng (.txt)
  capture LAB TARGET|ID stop      stop capturing (its frames stay until rm or the lab stops)
  capture LAB TARGET|ID rm        stop and forget a capture`;

const enc = encodeURIComponent;

/** A capture target from the command line: NODE.ethN is a link, NODE.ttySN a serial cable, anything else a switch or hub. */
export function parseTarget(text: string): CaptureTarget {
  if (/^[^.\s]+\.ttyS\d+$/.test(text)) return { kind: "cable", line: text };
  const m = /^([^.\s]+)\.(eth\d{1,2})$/.exec(text);
  return m ? { kind: "link", node: m[1], iface: m[2] } : { kind: "switch", name: text };
}

const sameTarget = (a: CaptureTarget, b: CaptureTarget) => JSON.stringify(a) === JSON.stringify(b);

/** `umlab capture LAB ...`. */
export async function captureCommand(rest: string[], request: ServerRequest): Promise<number> {
  const args = [...rest];
  const ring = takeOption(args, "--ring");
  const out = takeOption(args, "-o");
  const [lab, what, sub, ...extra] = args;
  if (!lab || !what) throw new Error(`usage:\n${CAPTURE_USAGE}`);
  const list = async () => ((await (await request(`/api/labs/${enc(lab)}/captures`)).json()) as { captures: CaptureInfo[] }).captures;
  if (what === "ls") {
    const captures = await list();
    if (!captures.length) console.log(`lab ${lab} has no captures`);
    else console.log(table([["ID", "WHAT", "STATE", "PACKETS", "HELD", "RING"], ...captures.map((c) => [c.id, c.label, c.error ? `${c.state} (${c.error})` : c.state, String(c.packets), `${(c.bytes / 1024).toFixed(0)} KiB`, `${c.ringMiB} MiB`])]));
    return 0;
  }
  if (extra.length) throw new Error(`unexpected "${extra[0]}": usage:\n${CAPTURE_USAGE}`);
  if (sub === "start") {
    const body = { target: parseTarget(what), ...(ring ? { ringMiB: Number(ring) } : {}) };
    const c = (await (await request(`/api/labs/${enc(lab)}/captures`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as CaptureInfo;
    console.log(c.id);
    console.error(`capturing ${c.label} of lab ${lab} (ring ${c.ringMiB} MiB); download: umlab capture ${lab} ${c.id} pcap`);
    return 0;
  }
  if (sub !== "stop" && sub !== "pcap" && sub !== "rm") throw new Error(`umlab capture ${lab} ${what} needs start, stop, pcap or rm: usage:\n${CAPTURE_USAGE}`);
  // A capture by its id, or the newest of its target.
  const captures = await list();
  const target = parseTarget(what);
  const c = captures.find((x) => x.id === what) ?? captures.filter((x) => sameTarget(x.target, target)).at(-1);
  if (!c) throw new Error(`lab ${lab} has no capture of ${what} (umlab capture ${lab} ls)`);
  const base = `/api/labs/${enc(lab)}/captures/${enc(c.id)}`;
  if (sub === "stop") {
    const s = (await (await request(`${base}/stop`, { method: "POST" })).json()) as CaptureInfo;
    console.log(`stopped capture ${s.id} (${s.label}): ${s.packets} packets`);
  } else if (sub === "rm") {
    await request(base, { method: "DELETE" });
    console.log(`removed capture ${c.id} (${c.label})`);
  } else {
    const res = await request(`${base}/pcap`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const ext = res.headers.get("content-type")?.startsWith("text/") ? "txt" : "pcapng";
    const file = out ?? `${lab}-${c.label.replace(/^\S+ /, "").replace(/[^a-z0-9.-]+/gi, "-")}.${ext}`;
    if (file === "-") process.stdout.write(bytes);
    else {
      writeFileSync(file, bytes);
      console.log(`${file}: ${c.label}, ${bytes.length} bytes${c.state === "running" ? " (so far: it still runs)" : ""}`);
    }
  }
  return 0;
}
