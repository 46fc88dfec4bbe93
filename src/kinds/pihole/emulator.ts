import crypto from "node:crypto";
import type http from "node:http";
import { tryJson } from "../../engine/probe.js";
import { sendJson, startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";

/**
 * Emulator of Pi-hole's web API, written from the public protocol facts (Pi-hole FTL v6 REST API and the
 * v5 AdminLTE `api.php`), since neither runs on Debian here.
 *
 * v6 (FTL's own web server):
 * - `GET /api/info/version` needs a session when a password is set: 401 `{"error":{"key":"unauthorized",…}}`;
 *   with no password set it answers everybody.
 * - `POST /api/auth {"password"}` → 200 `{"session":{"valid":true,"sid","csrf","validity":1800,"message":"password correct"}}`
 *   (`"app-password correct"` for an app password); wrong password → **401** `{"session":{"valid":false,"sid":null,
 *   "validity":-1,"message":"password incorrect"}}`; no password set → 200 `valid:true, sid:null, "no password set"`;
 *   all `webserver.api.max_sessions` seats taken → **429** `{"error":{"key":"api_seats_exceeded",…}}`; too many failed
 *   logins → 429 `rate_limiting`; 2FA on and the real password without a TOTP → 400 `bad_request`.
 * - The sid travels in header `X-FTL-SID` or `sid`, or as `?sid=`; `DELETE /api/auth` with it ends the session (204),
 *   without a valid one → 401.
 * - No PHP any more: `/admin/api.php` is a 404.
 *
 * v5 (lighttpd + PHP):
 * - `/admin/api.php?status&auth=<token>` → `{"status":"enabled"}`; a wrong or missing token (when a password is
 *   set) answers **HTTP 200 with `[]`** (PHP's json_encode of an empty array). `?versions` needs no token.
 * - The token is the double SHA-256 of the web password (setupVars `WEBPASSWORD`); no password ⇒ no auth at all.
 * - `/api/…` does not exist: lighttpd's 404 HTML page.
 *
 * DNS blocking (the dnsHole capability):
 * - v6 `GET /api/stats/summary` → `{queries:{total, blocked, percent_blocked, …}, gravity:{domains_being_blocked,
 *   last_update}, …}`; `GET /api/dns/blocking` → `{blocking:"enabled"|"disabled", timer: seconds|null}`; `POST` the
 *   same path with `{blocking: bool, timer?: seconds|null}` sets it and answers like GET; no `blocking` boolean → 400
 *   `body_error` (pi-hole/FTL src/api/docs/content/specs/stats.yaml, dns.yaml and src/api/dns.c at v6.0 and v6.4.1).
 * - v5 `api.php?summaryRaw` → `{domains_being_blocked, dns_queries_today, ads_blocked_today, ads_percentage_today,
 *   …, status}` (floats); `?enable` → `{"status":"enabled"}`; `?disable` (permanent) or `?disable=N` (seconds) →
 *   `{"status":"disabled"}`; `?getCacheInfo` → `{cacheinfo:{…}}`. From web v5.18 `status` and `summaryRaw` need the
 *   token too; before, only enable/disable/getCacheInfo/top lists did (pi-hole/web api.php + api_FTL.php at v5.21,
 *   AdminLTE api.php + api_FTL.php at v5.0; the v5.18 change: pi-hole.net blog 2022-12-21 "FTL v5.20 and Web v5.18").
 *   FTL down → `{"FTLnotrunning":true}`.
 */
export interface PiholeOptions {
  version: 5 | 6;
  /** The web interface password; empty or missing = no password set (everything open). */
  password?: string;
  /** v6 application password (bypasses 2FA). */
  appPassword?: string;
  /** v6 `webserver.api.max_sessions` (real default 16; small here so exhaustion is easy to reach). */
  maxSessions?: number;
  /** v6: two-factor authentication enabled (the real password then also needs a TOTP). */
  totp?: boolean;
  /** v6: failed logins per minute before 429 `rate_limiting` (off when missing). */
  rateLimitAfter?: number;
  /** e.g. "v6.0.4" / "v5.18.3". */
  coreVersion?: string;
  /** v6: `/api/info/version` breaks (HTTP 500) for authenticated callers, to prove a failed test still logs out. */
  failVersionWhenAuthed?: boolean;
  /** v5: the web interface release ("v5.21" default); before v5.18 `status`/`summaryRaw` need no token. */
  webVersion?: string;
  /** v5: pihole-FTL is not running. */
  ftlDown?: boolean;
  /** Data endpoints (summary, blocking) answer this HTTP status instead (v6: FTL's JSON error; v5: PHP's error page). */
  failData?: number;
  /** Data endpoints answer a body of the wrong shape. */
  malformed?: boolean;
  /** v6: `/api/stats/summary` answers this many milliseconds late (a busy Pi-hole). */
  summaryDelayMs?: number;
}

export interface PiholeEmulator extends FakeServer {
  /** v6 sessions currently open (seats in use). */
  openSessions(): number;
  /** v6 sessions ever created / ended through DELETE /api/auth. */
  stats: { created: number; deleted: number; failedLogins: number; peakSessions: number };
  /** Opens a session directly, as another client (a browser, another dashboard) would. */
  occupySeat(): string;
  /** The blocking state as the server holds it: `until` is when a timer flips it back (ms since epoch). */
  blocking(): { enabled: boolean; until: number | null };
  /** Counters shown by the summary. */
  counters: { queries: number; blocked: number; gravity: number };
}

/** Pi-hole v5's API token: sha256(sha256(password)) in hex, as stored in WEBPASSWORD. */
export function piholeV5Token(password: string): string {
  const once = crypto.createHash("sha256").update(password).digest("hex");
  return crypto.createHash("sha256").update(once).digest("hex");
}

const VALIDITY_S = 1800;

export async function startPihole(opts: PiholeOptions): Promise<PiholeEmulator> {
  const sessions = new Map<string, { validUntil: number; csrf: string }>();
  const stats = { created: 0, deleted: 0, failedLogins: 0, peakSessions: 0 };
  const failures: number[] = [];
  const maxSessions = opts.maxSessions ?? 3;
  const hasPassword = Boolean(opts.password);
  const took = () => Math.random() / 1000;

  const purge = () => {
    const now = Date.now();
    for (const [sid, s] of sessions) if (s.validUntil <= now) sessions.delete(sid);
  };
  const newSession = (): string => {
    const sid = crypto.randomBytes(18).toString("base64");
    sessions.set(sid, { validUntil: Date.now() + VALIDITY_S * 1000, csrf: crypto.randomBytes(18).toString("base64") });
    stats.created++;
    stats.peakSessions = Math.max(stats.peakSessions, sessions.size);
    return sid;
  };
  const sidOf = (req: Recorded, url: URL) =>
    (req.headers["x-ftl-sid"] as string | undefined) ?? (req.headers["sid"] as string | undefined) ?? url.searchParams.get("sid") ?? undefined;
  const authed = (req: Recorded, url: URL) => {
    if (!hasPassword) return true;
    purge();
    const sid = sidOf(req, url);
    return sid !== undefined && sessions.has(sid);
  };
  const unauthorized = (res: http.ServerResponse) =>
    sendJson(res, 401, { error: { key: "unauthorized", message: "Unauthorized", hint: null }, took: took() });

  const core = opts.coreVersion ?? (opts.version === 6 ? "v6.0.4" : "v5.18.3");
  const counters = { queries: 4242, blocked: 42, gravity: 123456 };
  // Blocking with an optional timer that flips the mode back when it runs out (FTL's set_blockingmode_timer).
  let block = { enabled: true, until: null as number | null };
  const blocking = () => {
    if (block.until !== null && block.until <= Date.now()) block = { enabled: !block.enabled, until: null };
    return block;
  };
  const percentBlocked = () => (counters.queries ? (100 * counters.blocked) / counters.queries : 0);
  const web = opts.webVersion ?? "v5.21";
  // web v5.18 made status and summaryRaw need the token.
  const statsNeedToken = !/^v?5\.([0-9]|1[0-7])(\.|$)/.test(web);

  const v6 = async (req: Recorded, res: http.ServerResponse, url: URL) => {
    const p = url.pathname;
    if (p === "/api/auth" && req.method === "POST") {
      let body: { password?: unknown; totp?: unknown };
      try {
        body = JSON.parse(req.body || "null") ?? {};
      } catch {
        return sendJson(res, 400, { error: { key: "bad_request", message: "Invalid JSON payload", hint: null }, took: took() });
      }
      if (!hasPassword) {
        return sendJson(res, 200, { session: { valid: true, totp: false, sid: null, validity: -1, message: "no password set" }, took: took() });
      }
      const now = Date.now();
      while (failures.length && failures[0]! < now - 60_000) failures.shift();
      if (opts.rateLimitAfter !== undefined && failures.length >= opts.rateLimitAfter) {
        return sendJson(res, 429, { error: { key: "rate_limiting", message: "Rate-limiting login attempts", hint: null }, took: took() });
      }
      const isApp = Boolean(opts.appPassword) && body.password === opts.appPassword;
      const isReal = body.password === opts.password;
      if (!isApp && !isReal) {
        failures.push(now);
        stats.failedLogins++;
        return sendJson(res, 401, { session: { valid: false, totp: false, sid: null, validity: -1, message: "password incorrect" }, took: took() });
      }
      if (isReal && !isApp && opts.totp && typeof body.totp !== "number") {
        return sendJson(res, 400, { error: { key: "bad_request", message: "No 2FA token found in JSON payload", hint: null }, took: took() });
      }
      purge();
      if (sessions.size >= maxSessions) {
        return sendJson(res, 429, { error: { key: "api_seats_exceeded", message: "API seats exceeded", hint: "increase webserver.api.max_sessions" }, took: took() });
      }
      const sid = newSession();
      return sendJson(res, 200, {
        session: { valid: true, totp: Boolean(opts.totp), sid, csrf: sessions.get(sid)!.csrf, validity: VALIDITY_S, message: isApp ? "app-password correct" : "password correct" },
        took: took(),
      });
    }
    if (p === "/api/auth" && req.method === "DELETE") {
      purge();
      const sid = sidOf(req, url);
      if (!sid || !sessions.has(sid)) return unauthorized(res);
      sessions.delete(sid);
      stats.deleted++;
      res.writeHead(204);
      res.end();
      return;
    }
    if (p === "/api/auth" && req.method === "GET") {
      if (!hasPassword) return sendJson(res, 200, { session: { valid: true, totp: false, sid: null, validity: -1, message: "no password set" }, took: took() });
      const sid = sidOf(req, url);
      if (!authed(req, url)) return sendJson(res, 401, { session: { valid: false, totp: false, sid: null, validity: -1, message: null }, took: took() });
      return sendJson(res, 200, { session: { valid: true, totp: false, sid, validity: VALIDITY_S, message: null }, took: took() });
    }
    if (p === "/api/info/version" && req.method === "GET") {
      if (!authed(req, url)) return unauthorized(res);
      if (opts.failVersionWhenAuthed) return sendJson(res, 500, { error: { key: "database_error", message: "Could not read versions", hint: null }, took: took() });
      const local = (version: string) => ({ branch: "master", version, hash: crypto.randomBytes(4).toString("hex") });
      return sendJson(res, 200, {
        version: {
          core: { local: local(core), remote: { version: core, hash: "abcd1234" } },
          web: { local: local("v6.0.2"), remote: { version: "v6.0.2", hash: "abcd1234" } },
          ftl: { local: { ...local("v6.0.3"), date: "2025-03-04 19:47:14 +0000" }, remote: { version: "v6.0.3", hash: "abcd1234" } },
          docker: { local: null, remote: null },
        },
        took: took(),
      });
    }
    if ((p === "/api/stats/summary" || p === "/api/dns/blocking") && authed(req, url)) {
      if (opts.failData) return sendJson(res, opts.failData, { error: { key: "database_error", message: "Internal error", hint: null }, took: took() });
      if (opts.malformed) return sendJson(res, 200, { queries: "many", blocking: 1, took: took() });
      if (p === "/api/stats/summary" && req.method === "GET") {
        if (opts.summaryDelayMs) await new Promise((r) => setTimeout(r, opts.summaryDelayMs));
        return sendJson(res, 200, {
          queries: { total: counters.queries, blocked: counters.blocked, percent_blocked: percentBlocked(), unique_domains: 321, forwarded: 1000, cached: 900, frequency: 1.2, types: {}, status: {}, replies: {} },
          clients: { active: 5, total: 9 },
          gravity: { domains_being_blocked: counters.gravity, last_update: Math.floor(Date.now() / 1000) - 3600 },
          took: took(),
        });
      }
      if (p === "/api/dns/blocking" && req.method === "POST") {
        const body = tryJson(req.body) as { blocking?: unknown; timer?: unknown } | undefined;
        if (!body) return sendJson(res, 400, { error: { key: "bad_request", message: "Invalid request body data (no valid JSON)", hint: null }, took: took() });
        if (typeof body.blocking !== "boolean") return sendJson(res, 400, { error: { key: "body_error", message: 'No "blocking" boolean in body data', hint: null }, took: took() });
        const timer = typeof body.timer === "number" && body.timer > 0 ? body.timer : null;
        // dns.c set_blocking: same mode → only the timer is reset; otherwise switch and start the timer.
        block = { enabled: body.blocking, until: timer === null ? null : Date.now() + timer * 1000 };
      }
      if (p === "/api/dns/blocking" && (req.method === "GET" || req.method === "POST")) {
        const b = blocking();
        return sendJson(res, 200, { blocking: b.enabled ? "enabled" : "disabled", timer: b.until === null ? null : Math.max(0, (b.until - Date.now()) / 1000), took: took() });
      }
    }
    if (p.startsWith("/api/")) {
      if (!authed(req, url)) return unauthorized(res);
      return sendJson(res, 404, { error: { key: "not_found", message: "Not found", hint: p }, took: took() });
    }
    if (p === "/admin" || p.startsWith("/admin/")) {
      if (p.endsWith(".php")) return html(res, 404, "<html><head><title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>");
      return html(res, 200, "<!doctype html><html><head><title>Pi-hole</title></head><body class=\"login-page\"></body></html>");
    }
    res.writeHead(302, { location: "/admin/" });
    res.end();
  };

  const v5 = (req: Recorded, res: http.ServerResponse, url: URL) => {
    const p = url.pathname;
    if (p === "/admin/api.php") {
      const q = url.searchParams;
      const auth = !hasPassword || q.get("auth") === piholeV5Token(opts.password!);
      const data: Record<string, unknown> = {};
      if (q.has("versions")) {
        Object.assign(data, {
          core_update: false,
          web_update: false,
          FTL_update: false,
          core_current: core,
          web_current: "v5.21",
          FTL_current: "v5.25.2",
          core_latest: core,
          web_latest: "v5.21",
          FTL_latest: "v5.25.2",
          core_branch: "master",
          web_branch: "master",
          FTL_branch: "master",
        });
      }
      if (opts.failData && !q.has("versions")) return html(res, opts.failData, "<html><body><h1>Internal Server Error</h1></body></html>");
      const ftlDown = () => Object.assign(data, { FTLnotrunning: true });
      // api.php: enable/disable are one elseif chain, each guarded by $auth; then api_FTL.php adds what was asked.
      if (q.has("enable") && auth) {
        block = { enabled: true, until: null };
        data.status = "enabled";
      } else if (q.has("disable") && auth) {
        const seconds = Number.parseInt(q.get("disable") ?? "", 10);
        block = { enabled: false, until: seconds > 0 ? Date.now() + seconds * 1000 : null };
        data.status = "disabled";
      }
      if (q.has("status") && (auth || !statsNeedToken)) {
        if (opts.ftlDown) ftlDown();
        else data.status = blocking().enabled ? "enabled" : "disabled";
      }
      if (q.has("summaryRaw") && (auth || !statsNeedToken)) {
        if (opts.ftlDown) ftlDown();
        else if (opts.malformed) Object.assign(data, { dns_queries_today: "lots" });
        else {
          Object.assign(data, {
            domains_being_blocked: counters.gravity,
            dns_queries_today: counters.queries,
            ads_blocked_today: counters.blocked,
            ads_percentage_today: percentBlocked(),
            unique_domains: 321,
            queries_forwarded: 1000,
            queries_cached: 900,
            status: blocking().enabled ? "enabled" : "disabled",
            gravity_last_updated: { file_exists: true, absolute: 1700000000 },
          });
        }
      }
      if (q.has("getCacheInfo") && auth) {
        if (opts.ftlDown) ftlDown();
        else data.cacheinfo = { "cache-size": 10000, "cache-live-freed": 0, "cache-inserted": 98 };
      }
      // PHP's json_encode of an empty array: `[]`, with HTTP 200, whatever the reason.
      res.writeHead(200, { "content-type": "application/json" });
      res.end(Object.keys(data).length ? JSON.stringify(data) : "[]");
      return;
    }
    if (p === "/admin" || p.startsWith("/admin/")) return html(res, 200, "<!doctype html><html><head><title>Pi-hole Admin Console</title></head><body></body></html>");
    return html(res, 404, "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>");
  };

  const server = await startFakeServer((req, res) => {
    const url = new URL(req.url, "http://x");
    return opts.version === 6 ? v6(req, res, url) : v5(req, res, url);
  });
  return Object.assign(server, {
    stats,
    openSessions: () => {
      purge();
      return sessions.size;
    },
    occupySeat: () => newSession(),
    blocking,
    counters,
  });
}


function html(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { "content-type": "text/html; charset=UTF-8" });
  res.end(body);
}
