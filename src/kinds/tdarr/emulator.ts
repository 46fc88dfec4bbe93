import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Tdarr's server API (2.x), from the public protocol facts (Tdarr is closed source, so the error
 * bodies are a best guess, marked below):
 * - `POST /api/v2/is-server-alive` (what Homarr calls, with `accept: application/json` and `X-Api-Key`) → JSON.
 * - `GET /api/v2/status` → `{status, isProduction, os, version, buildDate, uptime}`.
 * - Server `auth=true`: every `/api/v2/*` call needs a valid `X-Api-Key` (keys start with `tapi_`), else **401**
 *   (body: Express' `sendStatus` text "Unauthorized" — not verified). `auth=false`: any key, or none, passes.
 * - Anything else is the web UI (HTML).
 */
export interface TdarrOptions {
  auth: boolean;
  /** Valid API keys when auth is on. */
  apiKeys?: string[];
  version?: string;
}

export async function startTdarr(opts: TdarrOptions): Promise<FakeServer> {
  const keys = new Set(opts.apiKeys ?? []);
  return startFakeServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const p = url.pathname;
    if (p.startsWith("/api/v2/")) {
      if (opts.auth && !keys.has(String(req.headers["x-api-key"] ?? ""))) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
        res.end("Unauthorized");
        return;
      }
      if (p === "/api/v2/is-server-alive" && req.method === "POST") return sendJson(res, 200, { status: "good" });
      if (p === "/api/v2/status" && req.method === "GET") {
        return sendJson(res, 200, {
          status: "good",
          isProduction: true,
          os: "linux",
          version: opts.version ?? "2.27.02",
          buildDate: "2024-10-07T10:00:00.000Z",
          uptime: 98765,
        });
      }
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot ${req.method} ${p}</pre></body></html>`);
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><html><head><title>Tdarr</title></head><body><div id=\"root\"></div></body></html>");
  });
}
