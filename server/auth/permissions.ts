/**
 * Who may do what. As in GNS3 3.0, code asks for named privileges, never for
 * role names: a role is only a set of privileges, so a new role (or a change
 * of what teachers may do) is one line here.
 */
export const ROLES = ["admin", "teacher", "student"] as const;
export type Role = (typeof ROLES)[number];

export const PRIVILEGES = [
  /** See and control every lab, whoever owns it. */
  "Lab.All",
  /** Build or rebuild a shared guest image; add an image recipe (and remove one's own). */
  "Image.Build",
  /** Remove any user's image recipe, not only one's own. */
  "Image.All",
  /** Build the fast kernel or a custom kernel. */
  "Kernel.Build",
  /** Remove any custom kernel, not only one's own. */
  "Kernel.All",
  /** List users, create them, set their roles; set the quota defaults. */
  "User.Admin",
  /** Start labs beyond the quotas. */
  "Quota.Exempt",
  /** Make classes, publish labs to them, and supervise their students' instances. */
  "Class.Teach",
  /** See and run every class, whoever teaches it. */
  "Class.All",
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

const GRANTS: Record<Role, readonly Privilege[]> = {
  admin: PRIVILEGES,
  teacher: ["Image.Build", "Kernel.Build", "Class.Teach"],
  student: [],
};

/** The one asking: a signed-in user, a user's API token, or the CLI on the server's own machine. */
export interface Principal {
  /** A user's id; "local" for the server machine's own CLI (its token file). */
  id: string;
  name: string;
  email: string;
  role: Role;
  via: "session" | "token" | "local";
}

/** The server machine's CLI: whoever can read the token file in the data directory is its admin already. */
export const LOCAL: Principal = { id: "local", name: "local", email: "", role: "admin", via: "local" };

/** umlab itself, acting for a person who was allowed already (a scenario's steps, the sample labs). */
export const SYSTEM: Principal = { id: "system", name: "umlab", email: "", role: "admin", via: "local" };

export const isRole = (r: unknown): r is Role => typeof r === "string" && (ROLES as readonly string[]).includes(r);

export function can(who: Principal, privilege: Privilege): boolean {
  return GRANTS[who.role].includes(privilege);
}

/** A lab, build or other owned thing is the owner's, and everyone's with the privilege over all of its kind. */
export function owns(who: Principal, owner: string, all: Privilege = "Lab.All"): boolean {
  return who.id === owner || can(who, all);
}

export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

export class UnauthorizedError extends Error {
  constructor(message = "sign in first (or send Authorization: Bearer TOKEN)") {
    super(message);
    this.name = "UnauthorizedError";
  }
}

export function demand(who: Principal, privilege: Privilege, what: string): void {
  if (!can(who, privilege)) throw new ForbiddenError(`${what} needs the ${privilege} privilege, which the ${who.role} role does not have`);
}
