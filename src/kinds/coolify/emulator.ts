import { sendJson, startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";

/**
 * Emulator of Coolify v4's API (Laravel + Sanctum), from its public routes and middleware:
 * - `GET /api/health` needs no token → `OK` (text).
 * - `/api/v1/*` runs `auth:sanctum` first: a missing or unknown Bearer token answers **401
 *   `{"message":"Unauthenticated."}` only when the request "expects JSON"** (first Accept type contains `/json` or
 *   `+json`, or `X-Requested-With: XMLHttpRequest`); otherwise Laravel redirects to the login page (302 /login).
 * - Then `ApiAllowed`: API disabled in the settings → **403 `{"success":true,"message":"API is disabled."}`**; client
 *   IP not in the allow list → 403 `{"success":true,"message":"You are not allowed to access the API."}`.
 * - `GET /api/v1/version` → the version as plain text (`text/html` content type, Laravel's default), e.g. `4.0.0-beta.420`.
 * - Tokens look like `<id>|<random>`.
 * - `GET /api/v1/resources` (routes/api.php → Api\ResourcesController::resources; API reference "List
 *   resources") → a JSON array of every application, service and database: `uuid`, `name`, `type`
 *   ("application", "service", "standalone-postgresql"…), `status` "<state>:<health>" ("running:healthy",
 *   "exited:unhealthy"…) and, for applications, `fqdn` (comma-separated URLs).
 */
export interface CoolifyResource {
  uuid: string;
  name: string;
  type: string;
  status: string;
  fqdn?: string | null;
}

export interface CoolifyOptions {
  tokens: string[];
  apiEnabled?: boolean;
  /** Allowed client IPs; missing = everybody. */
  allowedIps?: string[];
  version?: string;
  resources?: CoolifyResource[];
}

export async function startCoolify(opts: CoolifyOptions): Promise<FakeServer> {
  const tokens = new Set(opts.tokens);
  return startFakeServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const p = url.pathname;
    if (p === "/api/health") {
      res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
      res.end("OK");
      return;
    }
    if (p.startsWith("/api/v1/") || p === "/api/v1") {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
      if (!bearer || !tokens.has(bearer)) {
        if (expectsJson(req)) return sendJson(res, 401, { message: "Unauthenticated." });
        res.writeHead(302, { location: `http://${req.headers.host ?? "127.0.0.1"}/login`, "content-type": "text/html; charset=UTF-8" });
        res.end("Redirecting to /login");
        return;
      }
      if (opts.apiEnabled === false) return sendJson(res, 403, { success: true, message: "API is disabled." });
      if (opts.allowedIps && !opts.allowedIps.includes("127.0.0.1")) {
        return sendJson(res, 403, { success: true, message: "You are not allowed to access the API." });
      }
      if (p === "/api/v1/version" && req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
        res.end(opts.version ?? "4.0.0-beta.420");
        return;
      }
      if (p === "/api/v1/resources" && req.method === "GET") {
        // Laravel serialises the models: more fields than these (environment ids, timestamps…), kept short here.
        return sendJson(res, 200, (opts.resources ?? []).map((r) => ({ id: 1, ...r, created_at: "2025-01-01T00:00:00.000000Z" })));
      }
      return sendJson(res, 404, { message: "Not found." });
    }
    if (p === "/login") {
      res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
      res.end("<!DOCTYPE html><html><head><title>Coolify</title></head><body><form method=\"POST\" action=\"/login\"></form></body></html>");
      return;
    }
    res.writeHead(302, { location: `http://${req.headers.host ?? "127.0.0.1"}/login` });
    res.end();
  });
}

/** Laravel's Request::expectsJson(): an XHR, or a first acceptable type containing /json or +json. */
function expectsJson(req: Recorded): boolean {
  if (String(req.headers["x-requested-with"] ?? "").toLowerCase() === "xmlhttprequest") return true;
  const first = String(req.headers.accept ?? "")
    .split(",")
    .map((t) => t.split(";")[0]!.trim().toLowerCase())[0];
  return Boolean(first && (first.includes("/json") || first.includes("+json")));
}
