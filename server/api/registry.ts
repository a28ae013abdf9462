import type { Accounts } from "../auth/accounts";
import type { Owners } from "../auth/owners";
import type { QuotaSettings } from "../auth/quotas";
import type { Site } from "../auth/site";
import type { LabService } from "./lab-service";
import type { ShareService } from "./share-service";
import type { ClassService } from "./class-service";
import type { CaptureService } from "./capture-service";
import type { ConsoleDoor } from "../realtime/protocol";
import type { TicketClaims } from "../engine/remote/console-ticket";

/** Everything a route handler may use, made once by server/main.ts. */
export interface Services {
  labs: LabService;
  accounts: Accounts;
  quotas: QuotaSettings;
  owners: Owners;
  site: Site;
  shares: ShareService;
  classes: ClassService;
  captures: CaptureService;
  /** Tickets to the engine's console door (an engine process has one; one inside this server needs none). */
  door?: ConsoleDoorIssuer | null;
}

/** What signs tickets to the engine's console door and says where it is (RemoteEngine). */
export interface ConsoleDoorIssuer {
  consoleDoor(): ConsoleDoor | null;
  consoleTicket(claims: Omit<TicketClaims, "exp" | "nonce">): string;
}

/**
 * Route handlers are compiled by Next into their own module graph, so they
 * reach the one set of services of the process (made by server/main.ts)
 * through globalThis rather than by import.
 */
const KEY = Symbol.for("umlab.services");

export function registerServices(s: Services): void {
  (globalThis as Record<symbol, unknown>)[KEY] = s;
}

export function services(): Services {
  const s = (globalThis as Record<symbol, unknown>)[KEY] as Services | undefined;
  if (!s) throw Object.assign(new Error("the umlab engine is not running in this process: start the server with `npm start`"), { name: "HostError" });
  return s;
}
