import crypto from "node:crypto";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of the Healthchecks (healthchecks.io, self-hosted) management API, from its public source:
 * - `GET /api/v3/checks/` (also v1/v2) with `X-Api-Key`: a key whose length is not 32 → **401
 *   `{"error":"missing api key"}`**; a 32-character key that matches no project → **401 `{"error":"wrong api key"}`**.
 * - A read-only key may read: checks then carry `unique_key` instead of `uuid`/`ping_url`/`update_url`.
 * - `GET /api/v3/status/` (no auth) → `OK` (text) after a database round trip.
 * - Django's APPEND_SLASH: `/api/v3/checks` → 301 to `/api/v3/checks/`. Unknown URLs → Django's 404 HTML page.
 * - `legacy`: a server from before API v3 (mid-2023) routes only v1/v2.
 * - Check fields and status values (new, up, grace, down, paused; `started`; `last_ping` ISO 8601 or null) as
 *   in healthchecks/healthchecks templates/docs/api.md "List existing checks" (the monitoring capability).
 * - `setStatus` changes a check between two reads (a live upstream for cache and watch tests).
 */
export interface HealthchecksOptions {
  apiKey: string;
  readOnlyKey?: string;
  legacy?: boolean;
  checks?: { name: string; status?: "new" | "up" | "grace" | "down" | "paused"; tags?: string; lastPing?: string; started?: boolean }[];
  /** Fault injection: the answer echoes the key it received (in `desc` and a URL's query), like a misbehaving proxy or a debug build. */
  echoKey?: boolean;
}

export async function startHealthchecks(opts: HealthchecksOptions): Promise<FakeServer & { setStatus(name: string, status: "new" | "up" | "grace" | "down" | "paused"): void }> {
  const checks = (opts.checks ?? [{ name: "backups", status: "up", tags: "prod" }]).map((c) => ({ ...c, uuid: crypto.randomUUID() }));
  const server: FakeServer = await startFakeServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const m = /^\/api\/(v1|v2|v3)\/(checks|status)(\/?)$/.exec(url.pathname);
    if (!m || (opts.legacy && m[1] === "v3")) {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><html lang=\"en\"><head><title>Not Found</title></head><body><h1>Not Found</h1><p>The requested resource was not found on this server.</p></body></html>");
      return;
    }
    if (!m[3]) {
      res.writeHead(301, { location: url.pathname + "/" + url.search });
      res.end();
      return;
    }
    if (m[2] === "status") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("OK");
      return;
    }
    const key = String(req.headers["x-api-key"] ?? "");
    if (key.length !== 32) return sendJson(res, 401, { error: "missing api key" });
    const readOnly = Boolean(opts.readOnlyKey) && key === opts.readOnlyKey;
    if (key !== opts.apiKey && !readOnly) return sendJson(res, 401, { error: "wrong api key" });
    const base = `http://127.0.0.1:${server.port}`;
    return sendJson(res, 200, {
      checks: checks.map((c) => ({
        name: opts.echoKey ? `${c.name} (key ${key})` : c.name,
        slug: c.name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
        tags: c.tags ?? "",
        desc: opts.echoKey ? `debug: key=${key}` : "",
        grace: 3600,
        n_pings: 12,
        status: c.status ?? "new",
        // api.md: `started` is true while a run signalled /start; `last_ping` is an ISO 8601 time or null.
        started: c.started ?? false,
        last_ping: c.lastPing ?? null,
        next_ping: null,
        manual_resume: false,
        methods: "",
        subject: "",
        subject_fail: "",
        start_kw: "",
        success_kw: "",
        failure_kw: "",
        filter_subject: false,
        filter_body: false,
        badge_url: opts.echoKey ? `${base}/b/2/${c.uuid}.svg?api_key=${key}` : `${base}/b/2/${c.uuid}.svg`,
        timeout: 86400,
        ...(readOnly
          ? { unique_key: crypto.createHash("sha1").update(c.uuid).digest("hex") }
          : {
              uuid: c.uuid,
              ping_url: `${base}/ping/${c.uuid}`,
              update_url: `${base}/api/v3/checks/${c.uuid}`,
              pause_url: `${base}/api/v3/checks/${c.uuid}/pause`,
              resume_url: `${base}/api/v3/checks/${c.uuid}/resume`,
              channels: "",
            }),
      })),
    });
  });
  return Object.assign(server, {
    setStatus(name: string, status: "new" | "up" | "grace" | "down" | "paused") {
      for (const c of checks) if (c.name === name) c.status = status;
    },
  });
}
