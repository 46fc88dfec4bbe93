import type http from "node:http";
import { tryJson } from "../../engine/probe.js";
import { sendJson, startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";

/**
 * Emulator of AdGuard Home's control API (v0.107), from the public protocol facts:
 * - Every `/control/*` call needs Basic auth (or the `agh_session` cookie from `POST /control/login`).
 * - A wrong or missing credential answers **401 with an empty body** and no `WWW-Authenticate` header.
 * - After `maxFailures` (5) failed attempts the client address is blocked for `blockMs` (15 min): even the right
 *   credentials then get 401.
 * - **No users configured ⇒ no authentication at all**: any credentials (or none) pass.
 * - `GET /control/status` → `{version:"v0.107.x", language, dns_addresses, dns_port, http_port, protection_enabled,
 *   running, start_time, dhcp_available, …}`.
 * - Web pages: `/` redirects to `/login.html` when users exist; unknown control paths are Go's plain-text 404.
 *
 * Protection and counters (AdguardTeam/AdGuardHome at v0.107.0 and v0.107.79; openapi/openapi.yaml of each):
 * - `GET /control/stats` → `{time_units, num_dns_queries, num_blocked_filtering, num_replaced_*, avg_processing_time, …}`.
 * - `GET /control/filtering/status` → `{enabled, interval, filters: [{id, name, url, enabled, rules_count,
 *   last_updated}] | null, user_rules}` (v0.107.79 adds `whitelist_filters`).
 * - `POST /control/dns_config {protection_enabled}` → 200, empty body (internal/dnsforward/http.go handleSetConfig).
 * - From v0.107.28 (CHANGELOG.md): `POST /control/protection {enabled, duration}` (duration in ms, only with
 *   enabled:false, else 400) → "OK\n" (internal/dnsforward/http.go handleSetProtection, aghhttp.OK), and the status
 *   carries `protection_disabled_duration`, the milliseconds left of a pause, never negative
 *   (internal/home/control.go handleStatus). Older releases have neither: the path is Go's 404.
 */
export interface AdGuardOptions {
  users?: { name: string; password: string }[];
  /** "v0.107.57" by default; below v0.107.28 there is no protection pause. */
  version?: string;
  /** Data endpoints (status excepted) answer this HTTP status. */
  failData?: number;
  /** Data endpoints answer a body of the wrong shape. */
  malformed?: boolean;
  /** Protection changes are accepted but not applied (a broken server), to prove actions are verified. */
  ignoreChanges?: boolean;
  maxFailures?: number;
  blockMs?: number;
}

export interface AdGuardEmulator extends FakeServer {
  failedAttempts(): number;
  /** Protection as the server holds it: `until` is when a pause ends (ms since epoch). */
  protection(): { enabled: boolean; until: number | null };
}

export async function startAdGuardHome(opts: AdGuardOptions): Promise<AdGuardEmulator> {
  const users = opts.users ?? [];
  const maxFailures = opts.maxFailures ?? 5;
  const blockMs = opts.blockMs ?? 15 * 60_000;
  const sessions = new Set<string>();
  let failures = 0;
  let blockedUntil = 0;
  const version = opts.version ?? "v0.107.57";
  const [, minor = 0, patch = 0] = (/^v?0\.(\d+)\.(\d+)/.exec(version) ?? []).map(Number);
  const hasPause = minor > 107 || (minor === 107 && patch >= 28);
  let prot = { enabled: true, until: null as number | null };
  const protection = () => {
    if (prot.until !== null && prot.until <= Date.now()) prot = { enabled: true, until: null };
    return prot;
  };
  const setProtection = (next: typeof prot) => {
    if (!opts.ignoreChanges) prot = next;
  };
  const plainText = (res: http.ServerResponse, status: number, text: string) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
    res.end(text);
  };

  const check = (req: Recorded): boolean => {
    if (!users.length) return true;
    const cookie = /(?:^|;\s*)agh_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    if (cookie && sessions.has(cookie)) return true;
    if (Date.now() < blockedUntil) return false;
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (m) {
      const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
      const i = decoded.indexOf(":");
      const [name, password] = i < 0 ? [decoded, ""] : [decoded.slice(0, i), decoded.slice(i + 1)];
      if (users.some((u) => u.name === name && u.password === password)) {
        failures = 0;
        return true;
      }
    }
    failures++;
    if (failures >= maxFailures) {
      blockedUntil = Date.now() + blockMs;
      failures = 0;
    }
    return false;
  };

  const unauthorized = (res: http.ServerResponse) => {
    res.writeHead(401, { "content-length": "0" });
    res.end();
  };

  const server = await startFakeServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const p = url.pathname;
    if (p === "/control/login" && req.method === "POST") {
      let body: { name?: string; password?: string } = {};
      try {
        body = JSON.parse(req.body);
      } catch {
        res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
        res.end("json.Decode: invalid character\n");
        return;
      }
      if (Date.now() < blockedUntil) {
        res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
        res.end("auth: blocked for 900s\n");
        return;
      }
      if (!users.some((u) => u.name === body.name && u.password === body.password)) {
        failures++;
        if (failures >= maxFailures) blockedUntil = Date.now() + blockMs;
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
        res.end("invalid username or password\n");
        return;
      }
      const sid = Math.random().toString(16).slice(2);
      sessions.add(sid);
      res.writeHead(200, { "set-cookie": `agh_session=${sid}; Path=/; HttpOnly; SameSite=Lax` });
      res.end();
      return;
    }
    if (p.startsWith("/control/")) {
      if (!check(req)) return unauthorized(res);
      if (p === "/control/status" && req.method === "GET") {
        const pr = protection();
        return sendJson(res, 200, {
          dns_addresses: ["127.0.0.1", "192.168.1.2"],
          dns_port: 53,
          http_port: 3000,
          protection_enabled: pr.enabled,
          ...(hasPause ? { protection_disabled_duration: pr.until === null ? 0 : Math.max(0, pr.until - Date.now()) } : {}),
          dhcp_available: true,
          running: true,
          version,
          language: "en",
          start_time: Date.now() - 3_600_000,
        });
      }
      const data = (p === "/control/stats" || p === "/control/filtering/status") && req.method === "GET";
      if (data && opts.failData) return plainText(res, opts.failData, "internal error\n");
      if (data && opts.malformed) return sendJson(res, 200, { num_dns_queries: "lots", filters: "none" });
      if (p === "/control/stats" && req.method === "GET") {
        return sendJson(res, 200, {
          time_units: "hours",
          num_dns_queries: 5000,
          num_blocked_filtering: 750,
          num_replaced_safebrowsing: 0,
          num_replaced_safesearch: 0,
          num_replaced_parental: 0,
          avg_processing_time: 0.012,
          top_queried_domains: [],
          top_clients: [],
          top_blocked_domains: [],
          dns_queries: [],
          blocked_filtering: [],
          replaced_safebrowsing: [],
          replaced_parental: [],
        });
      }
      if (p === "/control/filtering/status" && req.method === "GET") {
        return sendJson(res, 200, {
          enabled: true,
          interval: 24,
          filters: [
            { id: 1, name: "AdGuard DNS filter", url: "https://adguardteam.github.io/HostlistsRegistry/assets/filter_1.txt", enabled: true, rules_count: 60000, last_updated: "2025-01-10T12:00:00Z" },
            { id: 2, name: "AdAway Default Blocklist", url: "https://adguardteam.github.io/HostlistsRegistry/assets/filter_2.txt", enabled: true, rules_count: 6500, last_updated: "2025-01-10T12:00:00Z" },
            { id: 3, name: "Disabled list", url: "https://example.invalid/list.txt", enabled: false, rules_count: 999, last_updated: "2025-01-10T12:00:00Z" },
          ],
          ...(hasPause ? { whitelist_filters: null } : {}),
          user_rules: ["||example.org^"],
        });
      }
      if (p === "/control/dns_config" && req.method === "POST") {
        const body = tryJson(req.body) as { protection_enabled?: unknown } | undefined;
        if (!body) return plainText(res, 400, "json Encode: invalid character\n");
        if (typeof body.protection_enabled === "boolean") setProtection({ enabled: body.protection_enabled, until: null });
        res.writeHead(200, { "content-length": "0" });
        res.end();
        return;
      }
      if (p === "/control/protection" && req.method === "POST" && hasPause) {
        const body = tryJson(req.body) as { enabled?: unknown; duration?: unknown } | undefined;
        if (!body || typeof body.enabled !== "boolean") return plainText(res, 400, "reading req: json: invalid\n");
        const duration = typeof body.duration === "number" ? body.duration : 0;
        if (duration > 0 && body.enabled) return plainText(res, 400, "Setting a duration is only allowed with protection disabling\n");
        setProtection({ enabled: body.enabled, until: duration > 0 ? Date.now() + duration : null });
        return plainText(res, 200, "OK\n");
      }
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
      res.end("404 page not found\n");
      return;
    }
    if (p === "/" && users.length) {
      res.writeHead(302, { location: "/login.html" });
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><html><head><title>AdGuard Home</title></head><body><div id=\"root\"></div></body></html>");
  });
  return Object.assign(server, { failedAttempts: () => failures, protection });
}

