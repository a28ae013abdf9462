import type { LabRun } from "../engine/lab-run";

/**
 * What the ha-cluster sample (ha-cluster.yaml) looks like from inside its
 * guests, for its integration test and the bench: which node holds the
 * service, what heartbeat believes, and when the client's writes got through.
 */
export const SERVICE_IP = "10.0.1.100";
export const CLUSTER_NODES = ["one", "two"] as const;
export type ClusterNode = (typeof CLUSTER_NODES)[number];

export interface Holds {
  ip: boolean;
  disk: boolean;
  export: boolean;
}

async function sh(run: LabRun, node: string, script: string, timeoutS = 20): Promise<string> {
  const r = await run.node(node).exec(script, timeoutS);
  if (r.exitCode !== 0) throw new Error(`${node}: \`${script}\` exited ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Which of the resource group's three parts a node holds: the service IP, the shared disk mounted, the export. */
export async function holds(run: LabRun, node: string): Promise<Holds> {
  const out = await sh(run, node, "ip -o -4 addr show dev eth0; echo '--'; mountpoint -q /srv/shared && echo mounted; echo '--'; exportfs; true");
  const [ip, disk, exp] = out.split("--\n");
  return { ip: ip.includes(` ${SERVICE_IP}/`), disk: disk.includes("mounted"), export: exp.includes("/srv/shared/export") };
}

export const holdsAll = (h: Holds) => h.ip && h.disk && h.export;
export const holdsNone = (h: Holds) => !h.ip && !h.disk && !h.export;

/**
 * heartbeat's view on `node` (cl_status): each node's status (active, up,
 * dead), and each node's serial and broadcast link as `NODE/serial`,
 * `NODE/bcast` (up, dead).
 */
export async function heartbeatView(run: LabRun, node: string): Promise<Record<string, string>> {
  const out = await sh(run, node, `for n in ${CLUSTER_NODES.join(" ")}; do echo "$n $(cl_status nodestatus $n 2>&1) $(cl_status hblinkstatus $n /dev/ttyS2 2>&1) $(cl_status hblinkstatus $n eth1 2>&1)"; done`);
  const view: Record<string, string> = {};
  for (const line of out.trim().split("\n")) {
    const [n, status, serial, bcast] = line.split(" ");
    Object.assign(view, { [n]: status, [`${n}/serial`]: serial, [`${n}/bcast`]: bcast });
  }
  return view;
}

/** When (epoch ms, the guest's clock, which is the host's) each of the client's writes to the export ended. */
export async function clientWrites(run: LabRun): Promise<number[]> {
  const out = await sh(run, "client", "cat /var/log/nfs-writer.log 2>/dev/null; true");
  return [...out.matchAll(/ wrote .* \[(\d+)\]$/gm)].map((m) => Number(m[1]) / 1e6);
}

/** The node heartbeat gave the service to, once one node holds all of it and the other none of it. */
export async function activeNode(run: LabRun, up: readonly string[] = CLUSTER_NODES): Promise<string | null> {
  const states = await Promise.all(up.map(async (n) => [n, await holds(run, n)] as const));
  const active = states.filter(([, h]) => holdsAll(h));
  return active.length === 1 && states.every(([n, h]) => n === active[0][0] || holdsNone(h)) ? active[0][0] : null;
}

/** Polls `probe` every 500 ms until it returns something other than null or false; throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Kills `node` (the engine's crash fault) and measures the failover as a
 * user of the service sees it: from the kill to the end of the client's
 * first write after it.
 */
export async function crashAndMeasure(run: LabRun, node: string, timeoutMs = 90000): Promise<number> {
  const crashedAt = Date.now();
  run.node(node).crash();
  // A write whose answer was on its way when the node died ends just after the kill; one that had to wait
  // for the other node ends seconds later (a takeover alone takes that long).
  const served = crashedAt + 250;
  const first = await until(`a client write after ${node} was crashed`, timeoutMs, async () => (await clientWrites(run)).find((t) => t > served) ?? null);
  return first - crashedAt;
}
