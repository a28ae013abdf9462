import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { Gateway } from "../../model/lab";
import { hostProgram } from "../host";
import { endHelper } from "../helper-process";
import { sleep } from "../procs";
import { helperSandbox, Sandbox, type SandboxSpec } from "../sandbox";
import { buildGatewayArgv } from "./argv";
import { allowedHostPorts, hostGuard } from "./host-guard";

const RESOLV_CONF = "/etc/resolv.conf";

/**
 * slirpvde's sandbox: the host's network (it is the lab's way out), the
 * lab's run directory (its switch's socket), the host's resolv.conf (slirp
 * forwards DNS to the host's resolver) and the host guard preloaded, which
 * keeps the guests off the host itself but for the ports listed.
 */
export function gatewaySandbox(argv: string[], runDir: string, guard: string, hostPorts: number[], resolvConf: string | null): SandboxSpec {
  return helperSandbox(argv, runDir, {
    net: "host",
    readOnly: [guard, ...(resolvConf === null ? [] : [RESOLV_CONF])],
    env: { LD_PRELOAD: guard, UMLAB_HOST_PORTS: allowedHostPorts(hostPorts, resolvConf).join(",") },
  });
}

export class GatewayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatewayError";
  }
}

/** How long slirpvde must stay up to count as started: it fails at once when it cannot reach its switch. */
const SETTLE_MS = 300;

/** A running gateway: slirpvde plugged into its switch. */
export class GatewayProcess {
  private child: ChildProcess | null = null;
  private output = "";

  constructor(
    readonly gw: Gateway,
    private readonly runDir: string,
    /** Its port on the switch; null when plugged into nothing. */
    private readonly port: number | null,
    private readonly o: { root: string; sandbox?: Sandbox },
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Starts slirpvde on its switch (which must be up); a gateway plugged into nothing does nothing. */
  async start(): Promise<void> {
    if (this.gw.switch === null || this.port === null) return;
    const argv = buildGatewayArgv({ ...this.gw, switch: this.gw.switch }, this.port, hostProgram("slirpvde"));
    const sandbox = this.o.sandbox ?? Sandbox.host();
    const guard = hostGuard(this.o.root);
    sandbox.reach(guard, this.o.root);
    const resolvConf = existsSync(RESOLV_CONF) ? readFileSync(RESOLV_CONF, "utf8") : null;
    // The guard goes with it inside and out (the bench's comparison): what a guest reaches does not change.
    const run = sandbox.wrap(gatewaySandbox(argv, this.runDir, guard, this.gw.hostPorts, resolvConf));
    // stdin a pipe kept open: slirpvde, like the switches, goes when the server goes.
    const child = spawn(run.argv[0], run.argv.slice(1), { cwd: this.runDir, env: run.env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    const keep = (d: Buffer) => (this.output = (this.output + d).slice(-2000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    let exited = false;
    child.on("exit", () => (exited = true));
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    const settled = await Promise.race([sleep(SETTLE_MS).then(() => null), spawnError]);
    if (settled instanceof Error || exited) {
      await this.stop();
      throw new GatewayError(`gateway ${this.gw.name} failed to start on switch ${this.gw.switch}: ${settled instanceof Error ? settled.message : this.output.trim() || "slirpvde exited"}`);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await endHelper(child);
  }
}
