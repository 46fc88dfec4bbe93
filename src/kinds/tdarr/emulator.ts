import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Tdarr's server API (2.x), from the public protocol facts (Tdarr is closed source, so the error
 * bodies are a best guess, marked below):
 * - `POST /api/v2/is-server-alive` (what Homarr calls, with `accept: application/json` and `X-Api-Key`) → JSON.
 * - `GET /api/v2/status` → `{status, isProduction, os, version, buildDate, uptime}`.
 * - Server `auth=true`: every `/api/v2/*` call needs a valid `X-Api-Key` (keys start with `tapi_`), else **401**
 *   (body: Express' `sendStatus` text "Unauthorized" — not verified). `auth=false`: any key, or none, passes.
 * - `POST /api/v2/cruddb` `{data:{collection:"StatisticsJSONDB", mode:"getById", docID:"statistics"}}` → the
 *   statistics document (the call the web UI makes; Homarr's Tdarr integration and homeylab/tdarr-exporter
 *   read it): `totalFileCount`, `totalTranscodeCount`, `totalHealthCheckCount`, `sizeDiff` (GB saved) and
 *   `table0Count`…`table6Count` (hold, transcode queue, transcode success, transcode error, health-check queue,
 *   healthy, health-check error). Other collections/modes are not emulated (400, as Tdarr answers an unknown mode).
 * - `GET /api/v2/get-nodes` → `{<nodeId>: {_id, nodeName, workers: {<workerId>: {...}}, workerLimits}}`.
 * - Anything else is the web UI (HTML).
 */
export interface TdarrOptions {
  auth: boolean;
  /** Valid API keys when auth is on. */
  apiKeys?: string[];
  version?: string;
  statistics?: { table1Count: number; table2Count: number; table3Count: number; table4Count: number; table5Count: number; table6Count: number; sizeDiff: number };
  /** Running workers per node. */
  nodes?: Record<string, { name: string; workers: number }>;
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
      if (p === "/api/v2/cruddb" && req.method === "POST") {
        let body: { data?: { collection?: string; mode?: string; docID?: string } } = {};
        try {
          body = JSON.parse(req.body) as typeof body;
        } catch {
          /* an empty or broken body is a 400 below */
        }
        const d = body.data ?? {};
        if (d.collection !== "StatisticsJSONDB" || d.mode !== "getById" || d.docID !== "statistics") {
          res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
          res.end("Bad Request");
          return;
        }
        const st = opts.statistics ?? { table1Count: 0, table2Count: 0, table3Count: 0, table4Count: 0, table5Count: 0, table6Count: 0, sizeDiff: 0 };
        return sendJson(res, 200, { _id: "statistics", totalFileCount: 120, totalTranscodeCount: st.table2Count, totalHealthCheckCount: st.table5Count, table0Count: 0, ...st });
      }
      if (p === "/api/v2/get-nodes" && req.method === "GET") {
        const nodes = opts.nodes ?? {};
        return sendJson(
          res,
          200,
          Object.fromEntries(
            Object.entries(nodes).map(([id, n]) => [
              id,
              {
                _id: id,
                nodeName: n.name,
                workers: Object.fromEntries(Array.from({ length: n.workers }, (_, i) => [`${id}-w${i}`, { _id: `${id}-w${i}`, workerType: "transcodecpu", file: "/media/x.mkv", percentage: 42 }])),
                workerLimits: { transcodecpu: 2, transcodegpu: 0, healthcheckcpu: 1, healthcheckgpu: 0 },
              },
            ]),
          ),
        );
      }
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
