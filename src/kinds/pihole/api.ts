import { z } from "zod";
import { call, check, notService, parse, statusFailure } from "../../engine/kit.js";
import { tryJson } from "../../engine/probe.js";
import type { HttpRequest, HttpResponse } from "../../engine/http.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

/**
 * How Patchbay talks to either Pi-hole generation, shared by the connection test and the dnsHole capability.
 *
 * The generation is told apart the way Homarr does: `GET /api/info/version` without credentials is a 404 on v5
 * (lighttpd + PHP, no such route) and a 401 (password set) or 200 (no password) on v6 (FTL's own web server).
 * v6 logins take a seat from a small pool (`webserver.api.max_sessions`, 16 by default, each held 30 minutes:
 * pi-hole/FTL src/api/docs/content/specs/auth.yaml at v6.0 and v6.4.1), so one adapter call logs in at most
 * once (memoised per call context) and always logs out again through the runner's cleanup.
 */

export const V6_HINT = "Pi-hole v6: enter the web interface password or, better, an app password (Settings → Web interface / API → Configure app password).";
export const V5_HINT = "Pi-hole v5: enter the API token from Settings → API → Show API token.";

export type Connection =
  | { generation: 5 }
  /** `headers` carry the session id (empty when no password is set); `openVersion` is the unauthenticated version answer of a v6 without password. */
  | { generation: 6; headers: Record<string, string>; openVersion?: HttpResponse };

const connections = new WeakMap<TestContext, Promise<Connection>>();

/** The generation of this Pi-hole and, for v6 with a password, a session: one per adapter call, whoever asks. */
export function connect(ctx: TestContext): Promise<Connection> {
  let c = connections.get(ctx);
  if (!c) {
    c = detect(ctx);
    connections.set(ctx, c);
  }
  return c;
}

/** Paths of both generations hang off the server root; tolerate a base URL that already ends in /admin. */
export function at(ctx: TestContext, path: string): URL {
  const u = new URL(ctx.url.toString());
  u.pathname = u.pathname.replace(/\/+$/, "").replace(/\/admin$/i, "") + path;
  return u;
}

// FTL's error envelope (pi-hole/FTL src/api/docs/content/specs/common.yaml, v6.0): {error:{key, message, hint}}.
const FtlError = z.object({ error: z.object({ key: z.string(), message: z.string().nullish() }) });

async function detect(ctx: TestContext): Promise<Connection> {
  const probe = await ctx.http.request({ url: at(ctx, "/api/info/version") });
  if (probe.status === 404) return { generation: 5 };
  // v6 without a password: the API is open to everybody, nothing to log in to.
  if (probe.status === 200) return { generation: 6, headers: {}, openVersion: probe };
  if (probe.status === 401 && FtlError.safeParse(tryJson(probe.text)).data?.error.key === "unauthorized") return login(ctx);
  throw unexpected(ctx, probe);
}

// POST /api/auth answers (pi-hole/FTL src/api/docs/content/specs/auth.yaml, v6.0 and v6.4.1): 200 {session:{valid,
// sid (null when no password is set), validity, message}}; 401 {session:{valid:false}} for a wrong password; 429
// {error:{key:"api_seats_exceeded"|"rate_limiting"}}; 400 {error:{key:"bad_request"}} when 2FA wants a TOTP.
const Session = z.object({ session: z.object({ valid: z.boolean(), sid: z.string().nullish() }) });

/**
 * At most this many Patchbay calls hold a session on one Pi-hole at a time; more wait for a free turn (under
 * their own deadline). Reads are coalesced by the capability service already, but actions of several users,
 * connection tests and watch polls can overlap, and every seat Patchbay takes is one a browser cannot have.
 */
export const MAX_CONCURRENT_SESSIONS = 2;
const turns = new Map<string, { active: number; waiting: (() => void)[] }>();

async function takeTurn(key: string): Promise<() => void> {
  let t = turns.get(key);
  if (!t) turns.set(key, (t = { active: 0, waiting: [] }));
  const slot = t;
  if (slot.active >= MAX_CONCURRENT_SESSIONS) await new Promise<void>((resolve) => slot.waiting.push(resolve));
  else slot.active++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = slot.waiting.shift();
    if (next) next(); // the turn passes on directly: `active` stays the same
    else if (--slot.active === 0) turns.delete(key);
  };
}

async function login(ctx: TestContext): Promise<Connection> {
  const password = ctx.secrets.apiKey;
  if (password === undefined) {
    throw new TestFailure("INVALID_CREDENTIALS", `This Pi-hole (v6) has a password, so Patchbay needs one. ${V6_HINT}`, { piholeVersion: 6 });
  }
  const release = await takeTurn(at(ctx, "/api/auth").toString());
  try {
    const conn = await openSession(ctx, password);
    const sid = conn.headers["x-ftl-sid"];
    // Seats are scarce: end this session whatever happens next (the runner runs this even after a failure).
    ctx.onCleanup(async (http) => {
      try {
        if (sid) await http.request({ method: "DELETE", url: at(ctx, "/api/auth"), headers: { "x-ftl-sid": sid } });
      } finally {
        release();
      }
    });
    return conn;
  } catch (err) {
    release();
    throw err;
  }
}

async function openSession(ctx: TestContext, password: string): Promise<Connection & { generation: 6 }> {
  const res = await ctx.http.request({ method: "POST", url: at(ctx, "/api/auth"), json: { password } });
  const error = FtlError.safeParse(tryJson(res.text)).data?.error;
  if (res.status === 429 && error?.key === "api_seats_exceeded") {
    throw new TestFailure(
      "HTTP_ERROR",
      "Pi-hole has no free API session: all seats (webserver.api.max_sessions, 16 by default) are taken, usually by dashboards or scripts that never log out. " +
        "Wait until those sessions expire (30 minutes by default), end them in Pi-hole → Settings → Web interface / API → Currently active sessions, or raise webserver.api.max_sessions.",
      { statusCode: 429, reason: "api_seats_exceeded" },
    );
  }
  if (res.status === 429) {
    throw new TestFailure("HTTP_ERROR", "Pi-hole is rate-limiting login attempts after too many failures. Wait a minute, then check the password.", {
      statusCode: 429,
      reason: error?.key ?? "rate_limiting",
    });
  }
  if (res.status === 400 && error?.message && /2FA|totp/i.test(error.message)) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      "This Pi-hole has two-factor authentication enabled, which Patchbay cannot answer. Create an app password (Settings → Web interface / API → Configure app password) and enter that instead.",
      { statusCode: 400 },
    );
  }
  if (res.status === 401 && Session.safeParse(tryJson(res.text)).data?.session.valid === false) {
    throw new TestFailure("INVALID_CREDENTIALS", `Pi-hole rejected the password. ${V6_HINT}`, { statusCode: 401 });
  }
  if (res.status !== 200) throw res.status >= 500 ? statusFailure(ctx, res) : unexpected(ctx, res);
  const { session } = parse(ctx, res, Session);
  if (!session.valid) throw unexpected(ctx, res);
  return { generation: 6, headers: session.sid ? { "x-ftl-sid": session.sid } : {} };
}

/** A v6 API call with this call's session; a 401 after a successful login means the session was refused. */
export async function v6<S extends z.ZodType>(ctx: TestContext, conn: { headers: Record<string, string> }, req: HttpRequest & { path: string }, schema: S): Promise<z.output<S>> {
  const res = await call(
    ctx,
    { ...req, path: undefined, url: at(ctx, req.path), headers: { ...conn.headers, ...req.headers } },
    { credentialsMessage: `Pi-hole accepted the password but refused the session it handed out. ${V6_HINT}` },
  );
  return parse(ctx, res, schema);
}

/**
 * A v5 `admin/api.php` call. The token goes in `auth` (a Pi-hole without password needs none), and every call
 * also asks `getCacheInfo`, which every v5 release answers only to an accepted token (`isset($_GET['getCacheInfo'])
 * && $auth` in AdminLTE api_FTL.php at v5.0 and pi-hole/web api_FTL.php at v5.21) — before web v5.18 `status` and
 * `summaryRaw` needed no token, so only that proves the token there. A wrong or missing token therefore leaves
 * `cacheinfo` out: on v5.18+ the whole answer is PHP's json_encode of an empty array, `[]`, with HTTP 200.
 * `{"FTLnotrunning":true}` (api_FTL.php at v5.21, FTL's socket does not answer) is HTTP_ERROR.
 */
export async function v5<S extends z.ZodType>(ctx: TestContext, query: Record<string, string>, schema: S): Promise<z.output<S>> {
  const key = ctx.secrets.apiKey;
  const res = await call(ctx, { url: at(ctx, "/admin/api.php"), query: { ...query, getCacheInfo: "", ...(key !== undefined ? { auth: key } : {}) } });
  const body = parse(ctx, res, z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]));
  if (!Array.isArray(body) && body.FTLnotrunning === true) {
    throw new TestFailure("HTTP_ERROR", "Pi-hole's web interface answered, but its DNS service (pihole-FTL) is not running. Start it (`sudo systemctl start pihole-FTL`).", {
      piholeVersion: 5,
    });
  }
  if (Array.isArray(body) || !("cacheinfo" in body)) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      key === undefined ? `This Pi-hole (v5) has a web password, so Patchbay needs its API token. ${V5_HINT}` : `Pi-hole rejected the API token. ${V5_HINT}`,
      { piholeVersion: 5 },
    );
  }
  return check(ctx, body, schema, res.status);
}

export function unexpected(ctx: TestContext, res: Pick<HttpResponse, "status" | "text" | "header">): TestFailure {
  const base = notService(ctx, res);
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `${base.message} Pi-hole answers neither the v6 API nor v5's /admin/api.php here; use the address without /admin (for example http://pi.hole or http://192.168.1.2:8080).`,
    base.details,
  );
}
