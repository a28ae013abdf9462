import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";

/**
 * How the CLI proves who it is. In order: UMLAB_TOKEN; the token `umlab
 * login` saved for this server URL; and for a server on this machine the
 * server's own token file in its data directory (UMLAB_DATA, default
 * ./.umlab), which only the server's user can read.
 */
const credentialsFile = () => join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "umlab", "credentials.json");

type Saved = Record<string, { token: string }>;

function saved(): Saved {
  try {
    return JSON.parse(readFileSync(credentialsFile(), "utf8")) as Saved;
  } catch {
    return {};
  }
}

const key = (baseUrl: string) => new URL(baseUrl).origin;

export function tokenFor(baseUrl: string): string | null {
  if (process.env.UMLAB_TOKEN) return process.env.UMLAB_TOKEN;
  const s = saved()[key(baseUrl)];
  if (s?.token) return s.token;
  const host = new URL(baseUrl).hostname;
  if (["localhost", "127.0.0.1", "[::1]", "::1"].includes(host)) {
    const file = join(resolve(process.env.UMLAB_DATA ?? ".umlab"), "cli.token");
    try {
      return readFileSync(file, "utf8").trim() || null;
    } catch {
      return null;
    }
  }
  return null;
}

export function authHeaders(baseUrl: string): Record<string, string> {
  const t = tokenFor(baseUrl);
  return t ? { authorization: `Bearer ${t}` } : {};
}

function save(baseUrl: string, token: string): string {
  const file = credentialsFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const all = saved();
  all[key(baseUrl)] = { token };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/**
 * `umlab login URL [--token TOKEN]`: keeps a personal API token for URL.
 * Without --token it asks for email and password, signs in once and makes a
 * token named after this machine (the password is never stored).
 */
export async function login(baseUrl: string, token: string | undefined): Promise<string> {
  const origin = key(baseUrl);
  if (!token) {
    // Lines through the iterator, which keeps what arrives before it is asked for (piped input comes all at once).
    const rl = createInterface({ input: process.stdin, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    const ask = async (what: string) => {
      process.stderr.write(`${what}: `);
      const { value, done } = await lines.next();
      if (done) throw new Error(`no ${what} given`);
      return String(value).trim();
    };
    const email = await ask("email");
    // A password typed at a terminal is not shown.
    const tty = process.stdin.isTTY;
    if (tty) spawnSync("stty", ["-echo"], { stdio: "inherit" });
    let password: string;
    try {
      password = await ask("password");
    } finally {
      if (tty) {
        spawnSync("stty", ["echo"], { stdio: "inherit" });
        process.stderr.write("\n");
      }
    }
    rl.close();
    const signIn = await fetch(new URL("/api/auth/sign-in/email", origin), {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email, password }),
    });
    if (!signIn.ok) throw new Error(`sign-in refused: ${(await signIn.text()).slice(0, 200)}`);
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const made = await fetch(new URL("/api/tokens", origin), {
      method: "POST",
      headers: { "content-type": "application/json", origin, cookie },
      body: JSON.stringify({ name: `umlab CLI on ${hostname()}`.slice(0, 60) }),
    });
    if (!made.ok) throw new Error(`could not make a token: ${(await made.text()).slice(0, 200)}`);
    token = ((await made.json()) as { token: string }).token;
  }
  const me = await fetch(new URL("/api/me", origin), { headers: { authorization: `Bearer ${token}` } });
  if (!me.ok) throw new Error(`the server at ${origin} does not accept that token (${me.status})`);
  const who = (await me.json()) as { name: string; role: string };
  const file = save(baseUrl, token);
  return `signed in to ${origin} as ${who.name} (${who.role}); token kept in ${file}`;
}

/**
 * Why a socket.io connection failed, in words. The handshake's refusal
 * carries no reason to the client, so ask the HTTP API who we are: not
 * signed in, or not there at all.
 */
export async function connectProblem(baseUrl: string): Promise<string> {
  try {
    const me = await fetch(new URL("/api/me", baseUrl), { headers: authHeaders(baseUrl) });
    if (me.status === 401) return `the server at ${baseUrl} does not know you: \`umlab login ${baseUrl}\` (or set UMLAB_TOKEN)`;
    return `the server at ${baseUrl} refused the console connection (${me.status})`;
  } catch {
    return `cannot reach the umlab server at ${baseUrl}`;
  }
}
