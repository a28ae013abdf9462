import { rmSync } from "node:fs";
import { sameSecret, secretFile } from "../secret-file";
import { join } from "node:path";
import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { admin } from "better-auth/plugins";
import { z } from "zod";
import type { Db } from "../store/db";
import { CLIENT_IP_HEADER } from "./http-guard";
import { ConflictError, NotFoundError } from "../store/lab-store";
import { ForbiddenError, LOCAL, isRole, type Principal, type Role } from "./permissions";

/** Files in the data directory that only the server's user may read (0600). */
export const authFiles = (root: string) => ({
  /** Signs sessions; made once, kept across restarts so sessions survive them. */
  secret: join(root, "auth.secret"),
  /** The one-time code that lets the first admin account be made; gone once it is. */
  setupCode: join(root, "setup-code"),
  /** The CLI on this machine reads it and acts as the server's own admin. */
  cliToken: join(root, "cli.token"),
});

export const newUserBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  email: z.email().max(200),
  password: z.string().min(8, "a password has at least 8 characters").max(200),
  role: z.enum(["admin", "teacher", "student"]).default("student"),
});
export type NewUser = z.infer<typeof newUserBody>;

export interface UserView {
  id: string;
  name: string;
  email: string;
  role: Role;
  createdAt: string;
}

export interface TokenView {
  id: string;
  name: string | null;
  /** The first characters, to tell tokens apart; the token itself is shown once, when made. */
  start: string | null;
  createdAt: string;
  lastUsed: string | null;
}

function makeAuth(db: Db, secret: string, baseURL: string, trustedOrigins: string[], secure: boolean) {
  return betterAuth({
    appName: "umlab",
    baseURL,
    secret,
    trustedOrigins,
    database: prismaAdapter(db, { provider: "sqlite" }),
    // Accounts are made by an admin (and the first one with the setup code), never by sign-up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    telemetry: { enabled: false },
    // better-auth allows 3 sign-ins per 10 s from one address; a class behind one NAT signs in together.
    // 30 a minute per address still makes guessing an 8-character password hopeless.
    rateLimit: { customRules: { "/sign-in/email": { window: 60, max: 30 } } },
    advanced: {
      useSecureCookies: secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", secure },
      // Set by the server itself for every request (http-guard.ts markClientIp), never taken from the client.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    plugins: [
      admin({ defaultRole: "student", adminRoles: ["admin"] }),
      // Personal API tokens for scripts and the CLI; they are checked on every request, so no per-day cap.
      apiKey({ defaultPrefix: "umlab_", rateLimit: { enabled: false } }),
    ],
  });
}
type Auth = ReturnType<typeof makeAuth>;

/**
 * Accounts, sessions and API tokens (better-auth), and who a request comes
 * from. umlab never hashes a password or mints a session itself.
 */
export class Accounts {
  readonly auth: Auth;
  private readonly files: ReturnType<typeof authFiles>;
  private readonly cliToken: string;

  constructor(
    private readonly db: Db,
    root: string,
    opts: { baseURL: string; trustedOrigins: string[]; secure: boolean },
  ) {
    this.files = authFiles(root);
    const secret = process.env.UMLAB_AUTH_SECRET || secretFile(this.files.secret, 32);
    this.auth = makeAuth(db, secret, opts.baseURL, opts.trustedOrigins, opts.secure);
    this.cliToken = secretFile(this.files.cliToken, 32);
  }

  async hasUsers(): Promise<boolean> {
    return (await this.db.user.count()) > 0;
  }

  /**
   * The first-run code while no account exists (made once, kept in a 0600
   * file until used); null once there is an account.
   */
  async setupCode(): Promise<string | null> {
    if (await this.hasUsers()) {
      rmSync(this.files.setupCode, { force: true });
      return null;
    }
    return secretFile(this.files.setupCode, 12);
  }

  /** Makes the first account, an admin, when the code is the one printed at start. */
  async completeSetup(code: string, user: Omit<NewUser, "role">): Promise<UserView> {
    const expected = await this.setupCode();
    if (expected === null) throw new ConflictError("umlab is set up already: sign in");
    if (!sameSecret(code.trim(), expected)) throw new ForbiddenError("that is not the setup code (the server printed it at start and wrote it to setup-code in its data directory)");
    const made = await this.createUser({ ...user, role: "admin" });
    rmSync(this.files.setupCode, { force: true });
    return made;
  }

  /** Who is asking: a bearer token (this machine's CLI token or a user's API token), else the session cookie. */
  async whoIs(headers: Headers): Promise<Principal | null> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "")?.[1];
    if (bearer) {
      if (sameSecret(bearer, this.cliToken)) return LOCAL;
      const r = await this.auth.api.verifyApiKey({ body: { key: bearer } });
      if (!r.valid || !r.key) return null;
      return this.principal(r.key.referenceId, "token");
    }
    if (!headers.get("cookie")) return null;
    const s = await this.auth.api.getSession({ headers });
    return s ? this.principal(s.user.id, "session") : null;
  }

  private async principal(userId: string, via: Principal["via"]): Promise<Principal | null> {
    const u = await this.db.user.findUnique({ where: { id: userId } });
    if (!u || u.banned) return null;
    return { id: u.id, name: u.name, email: u.email, role: isRole(u.role) ? u.role : "student", via };
  }

  /** A user's name as others may see it (a shared lab's owner); the machine's own CLI and umlab have theirs. */
  async nameOf(id: string): Promise<string> {
    if (id === "local" || id === "system") return "umlab";
    return (await this.db.user.findUnique({ where: { id } }))?.name ?? "a former user";
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.db.user.findMany({ orderBy: { createdAt: "asc" } })).map(view);
  }

  async createUser(input: NewUser): Promise<UserView> {
    const u = newUserBody.parse(input);
    if (await this.db.user.findUnique({ where: { email: u.email.toLowerCase() } })) throw new ConflictError(`a user with the email ${u.email} exists already`);
    // better-auth types roles as its own two (admin, user); umlab's three are set on the row it made.
    const { user } = await this.auth.api.createUser({ body: { name: u.name, email: u.email, password: u.password } });
    return view(await this.db.user.update({ where: { id: user.id }, data: { role: u.role } }));
  }

  async setRole(id: string, role: Role): Promise<UserView> {
    const u = await this.db.user.findUnique({ where: { id } });
    if (!u) throw new NotFoundError(`no user "${id}"`);
    if (u.role === "admin" && role !== "admin" && (await this.db.user.count({ where: { role: "admin" } })) === 1)
      throw new ConflictError("the last admin cannot stop being one: make another admin first");
    return view(await this.db.user.update({ where: { id }, data: { role } }));
  }

  /** A new personal API token; its value is in the answer and nowhere else. */
  async createToken(who: Principal, name: string): Promise<TokenView & { token: string }> {
    if (who.via === "local") throw new ForbiddenError("the server machine's CLI has its token file already; sign in as a user to make a personal token");
    const k = await this.auth.api.createApiKey({ body: { name, userId: who.id } });
    return { id: k.id, name: k.name ?? null, start: k.start ?? null, createdAt: new Date(k.createdAt).toISOString(), lastUsed: null, token: k.key };
  }

  async listTokens(who: Principal): Promise<TokenView[]> {
    const rows = await this.db.apikey.findMany({ where: { referenceId: who.id }, orderBy: { createdAt: "asc" } });
    return rows.map((k) => ({ id: k.id, name: k.name, start: k.start, createdAt: k.createdAt.toISOString(), lastUsed: k.lastRequest?.toISOString() ?? null }));
  }

  async revokeToken(who: Principal, id: string): Promise<void> {
    const k = await this.db.apikey.findUnique({ where: { id } });
    if (!k || k.referenceId !== who.id) throw new NotFoundError(`no token "${id}"`);
    await this.db.apikey.delete({ where: { id } });
  }
}

const view = (u: { id: string; name: string; email: string; role: string | null; createdAt: Date }): UserView => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: isRole(u.role) ? u.role : "student",
  createdAt: u.createdAt.toISOString(),
});
