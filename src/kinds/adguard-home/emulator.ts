import type http from "node:http";
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
 */
export interface AdGuardOptions {
  users?: { name: string; password: string }[];
  version?: string;
  maxFailures?: number;
  blockMs?: number;
}

export interface AdGuardEmulator extends FakeServer {
  failedAttempts(): number;
}

export async function startAdGuardHome(opts: AdGuardOptions): Promise<AdGuardEmulator> {
  const users = opts.users ?? [];
  const maxFailures = opts.maxFailures ?? 5;
  const blockMs = opts.blockMs ?? 15 * 60_000;
  const sessions = new Set<string>();
  let failures = 0;
  let blockedUntil = 0;

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
        return sendJson(res, 200, {
          dns_addresses: ["127.0.0.1", "192.168.1.2"],
          dns_port: 53,
          http_port: 3000,
          protection_enabled: true,
          protection_disabled_duration: 0,
          dhcp_available: true,
          running: true,
          version: opts.version ?? "v0.107.57",
          language: "en",
          start_time: Date.now() - 3_600_000,
        });
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
  return Object.assign(server, { failedAttempts: () => failures });
}
