import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Jackett's HTTP API, from the public protocol facts (docs/kinds.md, "Per-kind protocol table" and "Search endpoints"):
 * - the key only as `apikey` (or `passkey`) query parameter, checked before the indexer;
 * - torznab `/api/v2.0/indexers/<id>/results/torznab/api`: errors inside an **HTTP 200** XML body,
 *   `<error code="100" description="Invalid API Key"/>` for a wrong key, `code="201"` ("Indexer is not
 *   configured") when "all" has no configured indexer; `t=caps` answers `<caps><server title="Jackett"/>…`
 *   (no version there);
 * - JSON `/api/v2.0/indexers/all/results?apikey=&Query=`: **401 with an empty body** for a wrong key, 404
 *   without configured indexers, else `{Results[], Indexers[]}`;
 * - the admin API (`/api/v2.0/server/config` → `{app_version,…}`, `/api/v2.0/indexers?configured=`, `POST
 *   /api/v2.0/indexers/<id>/test`) wants the "Jackett" cookie, never the key (src/Jackett.Server/Startup.cs global
 *   AuthorizeFilter + cookie scheme, v0.24.2440); without it, a redirect to /UI/Login. The UI's login dance
 *   (src/Jackett.Server/Controllers/UIController.cs): /UI/Login sets TestCookie → /UI/TestCookie →
 *   /UI/Login?cookiesChecked=1, which signs in (sets "Jackett") when no admin password is set, else serves
 *   the login page;
 * - `t=indexers&configured=true` on "all" lists the configured indexers as XML (ResultsController.cs `Torznab`);
 * - a test answers 204, or 500 `{result:"error", error}` (CustomExceptionHandler.cs) and sets the indexer's
 *   `last_error`, which a passing test clears (IndexerApiController.cs `Test`);
 * - `/health` anonymous `{"status":"OK"}`; `/` redirects to the dashboard, the UI is HTML.
 * Options are read on every request, so a test may flip `hang` after the integration was created.
 */
export interface JackettResult {
  Title: string;
  Tracker: string;
  TrackerId: string;
  CategoryDesc?: string;
  Size?: number;
  PublishDate?: string;
  Seeders?: number;
  Peers?: number;
  Grabs?: number;
  Link?: string;
  MagnetUri?: string | null;
  Details?: string;
  Guid?: string;
  InfoHash?: string | null;
  Poster?: string | null;
  Imdb?: number | null;
}

export interface JackettOptions {
  apiKey: string;
  version?: string;
  /** No configured indexer: torznab error 201, JSON 404. */
  noIndexers?: boolean;
  /** An admin password is set: the admin API redirects to the login page. */
  adminPassword?: boolean;
  hang?: boolean;
  results?: JackettResult[];
  /** Configured indexers (default: one per tracker of `results`); `testFails` makes its test fail with that message. */
  indexers?: { id: string; name: string; lastError?: string | null; testFails?: string }[];
}

const SESSION = "jackett-session-cookie-value";

export interface JackettEmulator extends FakeServer {
  /** Raw `Query` parameters the JSON search endpoint received, still percent-encoded. */
  queries: string[];
}

const xml = (res: http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/xml; charset=utf-8" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
};

const CAPS = `<caps>
  <server title="Jackett" />
  <limits default="100" max="100" />
  <searching>
    <search available="yes" supportedParams="q" />
    <tv-search available="yes" supportedParams="q,season,ep,imdbid" />
    <movie-search available="yes" supportedParams="q,imdbid" />
    <music-search available="yes" supportedParams="q" />
    <audio-search available="yes" supportedParams="q" />
    <book-search available="yes" supportedParams="q" />
  </searching>
  <categories>
    <category id="2000" name="Movies"><subcat id="2040" name="Movies/HD" /></category>
    <category id="5000" name="TV"><subcat id="5040" name="TV/HD" /></category>
  </categories>
</caps>`;

export async function startJackett(opts: JackettOptions): Promise<JackettEmulator> {
  const queries: string[] = [];
  const server = await startFakeServer((req, res) => {
    if (opts.hang) return; // accept, read, never answer
    const url = new URL(req.url, "http://x");
    const path = url.pathname;
    if (path === "/") {
      res.writeHead(301, { location: "/UI/Dashboard" });
      res.end();
      return;
    }
    if (path === "/health") return sendJson(res, 200, { status: "OK" });
    const cookies = req.headers.cookie ?? "";
    const signedIn = cookies.includes(`Jackett=${SESSION}`);
    const redirect = (location: string, cookie?: string) => {
      res.writeHead(302, { location, ...(cookie ? { "set-cookie": cookie } : {}) });
      res.end();
    };
    const html = (title: string) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!DOCTYPE html><html><head><title>${title}</title></head><body><div id="page"></div></body></html>`);
    };
    if (path === "/UI/Login") {
      if (!url.searchParams.get("cookiesChecked")) return redirect("TestCookie", "TestCookie=1; path=/");
      if (!opts.adminPassword) return redirect("Dashboard", `Jackett=${SESSION}; path=/; httponly`);
      return html("Jackett login");
    }
    if (path === "/UI/TestCookie") {
      if (cookies.includes("TestCookie=1")) return redirect("Login?cookiesChecked=1");
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Cookies required");
      return;
    }
    if (path.startsWith("/UI/")) {
      if (!signedIn && path === "/UI/Dashboard") return redirect(`/UI/Login?ReturnUrl=${encodeURIComponent(path)}`);
      return html("Jackett");
    }
    const admin = path === "/api/v2.0/server/config" || path === "/api/v2.0/indexers" || /^\/api\/v2\.0\/indexers\/[^/]+\/test$/.test(path);
    if (admin && !signedIn) return redirect(`/UI/Login?ReturnUrl=${encodeURIComponent(path)}`);
    const configured = opts.noIndexers ? [] : (opts.indexers ??= defaultIndexers(opts.results ?? []));
    if (path === "/api/v2.0/server/config") {
      return sendJson(res, 200, { port: 9117, external: false, api_key: opts.apiKey, app_version: opts.version ?? "0.22.2184", blackholedir: "", updatedisabled: false });
    }
    if (path === "/api/v2.0/indexers") {
      const only = url.searchParams.get("configured") === "true";
      const all = [...configured.map((i) => ({ ...i, configured: true })), { id: "unconfigured-site", name: "Unconfigured", configured: false, lastError: null }];
      return sendJson(
        res,
        200,
        all.filter((i) => !only || i.configured).map((i) => ({ id: i.id, name: i.name, description: "", type: "public", configured: i.configured, site_link: "https://tracker.example/", language: "en-US", last_error: i.lastError ?? null, potatoenabled: false, caps: [] })),
      );
    }
    const test = /^\/api\/v2\.0\/indexers\/([^/]+)\/test$/.exec(path);
    if (test && req.method === "POST") {
      const ix = configured.find((i) => i.id === decodeURIComponent(test[1]!));
      if (!ix) return sendJson(res, 404, { result: "error", error: "Indexer is not configured" });
      ix.lastError = ix.testFails ?? null;
      if (!ix.testFails) {
        res.writeHead(204);
        res.end();
        return;
      }
      return sendJson(res, 500, { result: "error", error: ix.testFails, stacktrace: "   at Jackett.Common.Indexers.BaseIndexer.ResultsForQuery(...)" });
    }
    const key = url.searchParams.get("apikey") ?? url.searchParams.get("passkey");
    const torznab = /^\/api\/v2\.0\/indexers\/([^/]+)\/results\/torznab(\/api)?$/.exec(path);
    if (torznab) {
      if (key !== opts.apiKey) return xml(res, 200, `<error code="100" description="Invalid API Key" />`);
      if (opts.noIndexers || torznab[1] !== "all") return xml(res, 200, `<error code="201" description="Indexer is not configured" />`);
      const t = url.searchParams.get("t");
      if (t === "caps") return xml(res, 200, CAPS);
      if (t === "indexers") {
        const list = configured
          .map((i) => `<indexer id="${escapeXml(i.id)}" configured="true"><title>${escapeXml(i.name)}</title><description /><link>https://tracker.example/</link><language>en-US</language><type>public</type>${CAPS}</indexer>`)
          .join("");
        return xml(res, 200, `<indexers>${list}</indexers>`);
      }
      if (t === "search") {
        const q = (url.searchParams.get("q") ?? "").toLowerCase();
        const items = match(opts.results ?? [], q)
          .map((r) => `<item><title>${escapeXml(r.Title)}</title><guid>${escapeXml(r.Guid ?? r.Title)}</guid><jackettindexer id="${r.TrackerId}">${escapeXml(r.Tracker)}</jackettindexer></item>`)
          .join("");
        return xml(res, 200, `<rss version="2.0"><channel><title>AggregateSearch</title>${items}</channel></rss>`);
      }
      return xml(res, 200, `<error code="202" description="No such function (${escapeXml(t ?? "")})" />`);
    }
    if (path === "/api/v2.0/indexers/all/results") {
      if (key !== opts.apiKey) {
        res.writeHead(401);
        res.end();
        return;
      }
      if (opts.noIndexers) {
        res.writeHead(404);
        res.end();
        return;
      }
      const raw = /[?&]Query=([^&]*)/.exec(req.url)?.[1] ?? "";
      queries.push(raw);
      const q = decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
      // Real download links carry the key (jackett_apikey); whatever maps results must not pass them on.
      const results = match(opts.results ?? [], q).map((r) => ({
        ...r,
        Link: r.Link ?? `http://${req.headers.host}/dl/${r.TrackerId}/?jackett_apikey=${opts.apiKey}&path=${encodeURIComponent(r.Guid ?? r.Title)}&file=${encodeURIComponent(r.Title)}`,
      }));
      const trackers = [...new Set((opts.results ?? []).map((r) => r.TrackerId))];
      return sendJson(res, 200, {
        Results: results,
        Indexers: trackers.map((id) => ({ ID: id, Name: id, Status: 2, Results: results.filter((r) => r.TrackerId === id).length, Error: null, ElapsedTime: 120 })),
      });
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Not Found");
  });
  return Object.assign(server, { queries });
}

function defaultIndexers(results: JackettResult[]): NonNullable<JackettOptions["indexers"]> {
  const byId = new Map(results.map((r) => [r.TrackerId, r.Tracker]));
  return [...byId].map(([id, name]) => ({ id, name }));
}

/** Jackett's own filter is per-indexer; the emulator keeps results sharing the query's first word. */
function match(results: JackettResult[], q: string): JackettResult[] {
  const first = q.split(/\s+/)[0] ?? "";
  return results.filter((r) => r.Title.toLowerCase().includes(first.replace(/'/g, "")) || r.Title.toLowerCase().includes(first));
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export const sampleJackettResults: JackettResult[] = [
  {
    Title: "Schindlers.List.1993.1080p.BluRay.x264",
    Tracker: "1337x",
    TrackerId: "1337x",
    CategoryDesc: "Movies/HD",
    Size: 3_221_225_472,
    PublishDate: "2024-03-01T10:00:00+00:00",
    Seeders: 12,
    Peers: 15,
    Grabs: 300,
    Details: "https://1337x.example/torrent/1/",
    Guid: "https://1337x.example/torrent/1/",
    InfoHash: null,
    Poster: null,
    Imdb: 108052,
  },
  {
    Title: "Schindler's List (1993) 2160p UHD",
    Tracker: "YTS",
    TrackerId: "yts",
    CategoryDesc: "Movies/UHD",
    Size: 8_589_934_592,
    PublishDate: "2024-05-02T10:00:00+00:00",
    Seeders: 80,
    Peers: 90,
    Grabs: 1000,
    Details: "https://yts.example/movies/schindlers-list-1993",
    Guid: "https://yts.example/torrent/2",
    Poster: "https://yts.example/poster.jpg",
    Imdb: 108052,
  },
  {
    Title: "The.Expanse.S01E01.720p",
    Tracker: "1337x",
    TrackerId: "1337x",
    CategoryDesc: "TV/HD",
    Size: 1_073_741_824,
    Seeders: 5,
    Guid: "https://1337x.example/torrent/3/",
  },
];
