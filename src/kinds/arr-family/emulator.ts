import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of the *arr family's API (Sonarr v4 / Radarr v5 / Lidarr / Readarr / Prowlarr), from the public
 * protocol facts: X-Api-Key (or ?apikey=, or Bearer) on every /api call, 401 with an empty body for a wrong
 * key, /api → {current, deprecated}, /api/<v>/system/status → {appName, version, …}, lookup endpoints, and
 * the SPA's index.html for anything that is not an API route.
 */
export interface ArrOptions {
  app: "Sonarr" | "Radarr" | "Lidarr" | "Readarr" | "Prowlarr";
  apiKey: string;
  version?: string;
  /** Old majors (Sonarr v2) have no /api/v3: they answer 404 there and /api says {current:"v2"}. */
  legacy?: boolean;
  /** Delay every answer (ms), or never answer at all. */
  delayMs?: number;
  hang?: boolean;
  lookup?: Record<string, unknown>[];
}

const apiVersion = (app: ArrOptions["app"]) => (app === "Sonarr" || app === "Radarr" ? "v3" : "v1");

export interface ArrEmulator extends FakeServer {
  /** The raw `term` query parameters the lookup endpoint received, still percent-encoded. */
  lookups: string[];
}

export async function startArr(opts: ArrOptions): Promise<ArrEmulator> {
  const v = apiVersion(opts.app);
  const lookups: string[] = [];
  const server = await startFakeServer(async (req, res) => {
    if (opts.hang) return; // accept, read, never answer
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const url = new URL(req.url, "http://x");
    if (!url.pathname.startsWith("/api") && url.pathname !== "/ping") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><html><head><title>${opts.app}</title></head><body><div id="root"></div></body></html>`);
      return;
    }
    if (url.pathname === "/ping") return sendJson(res, 200, { status: "OK" });
    const bearer = req.headers.authorization?.replace(/^Bearer /, "");
    const key = (req.headers["x-api-key"] as string | undefined) ?? url.searchParams.get("apikey") ?? bearer;
    if (key !== opts.apiKey) {
      res.writeHead(401);
      res.end();
      return;
    }
    if (url.pathname === "/api") return sendJson(res, 200, { current: opts.legacy ? "v2" : v, deprecated: [] });
    if (opts.legacy) return sendJson(res, 404, { message: "NotFound" });
    if (url.pathname === `/api/${v}/system/status`) {
      return sendJson(res, 200, {
        appName: opts.app,
        instanceName: opts.app,
        version: opts.version ?? "4.0.14.2939",
        isProduction: true,
        authentication: "forms",
        urlBase: "",
      });
    }
    const lookupPath = { Sonarr: "/api/v3/series/lookup", Radarr: "/api/v3/movie/lookup", Lidarr: "/api/v1/search", Readarr: "/api/v1/search", Prowlarr: "/api/v1/search" }[opts.app];
    if (url.pathname === lookupPath) {
      const raw = /[?&](term|query)=([^&]*)/.exec(req.url)?.[2] ?? "";
      lookups.push(raw);
      const term = decodeURIComponent(raw).toLowerCase();
      const items = (opts.lookup ?? []).filter((i) => JSON.stringify(i).toLowerCase().includes(term.split(" ")[0] ?? ""));
      return sendJson(res, 200, items);
    }
    return sendJson(res, 404, { message: "NotFound" });
  });
  return Object.assign(server, { lookups });
}

export const sampleSeries = [
  {
    title: "Schindler's List (1993) & \"quotes\"",
    year: 1993,
    tvdbId: 4242,
    titleSlug: "schindlers-list",
    overview: "A test series with an exotic title.",
    images: [{ coverType: "poster", remoteUrl: "https://artworks.example/poster.jpg" }],
  },
  { title: "The Expanse", year: 2015, tvdbId: 280619, titleSlug: "the-expanse", id: 7, overview: "In library.", images: [] },
];
