import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Jackett's HTTP API, from the public protocol facts (docs/spec protocols.md §1, §2):
 * - the key only as `apikey` (or `passkey`) query parameter, checked before the indexer;
 * - torznab `/api/v2.0/indexers/<id>/results/torznab/api`: errors inside an **HTTP 200** XML body,
 *   `<error code="100" description="Invalid API Key"/>` for a wrong key, `code="201"` ("Indexer is not
 *   configured") when "all" has no configured indexer; `t=caps` answers `<caps><server title="Jackett"/>…`
 *   (no version there);
 * - JSON `/api/v2.0/indexers/all/results?apikey=&Query=`: **401 with an empty body** for a wrong key, 404
 *   without configured indexers, else `{Results[], Indexers[]}`;
 * - `/api/v2.0/server/config` → `{app_version,…}` without admin password; with one, a redirect to the login
 *   page (the admin API wants the UI cookie, not the API key);
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
}

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
    if (path.startsWith("/UI/")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!DOCTYPE html><html><head><title>Jackett</title></head><body><div id="page"></div></body></html>`);
      return;
    }
    if (path === "/api/v2.0/server/config") {
      if (opts.adminPassword) {
        res.writeHead(302, { location: `/UI/Login?ReturnUrl=${encodeURIComponent(path)}` });
        res.end();
        return;
      }
      return sendJson(res, 200, { port: 9117, external: false, api_key: opts.apiKey, app_version: opts.version ?? "0.22.2184", blackholedir: "", updatedisabled: false });
    }
    const key = url.searchParams.get("apikey") ?? url.searchParams.get("passkey");
    const torznab = /^\/api\/v2\.0\/indexers\/([^/]+)\/results\/torznab(\/api)?$/.exec(path);
    if (torznab) {
      if (key !== opts.apiKey) return xml(res, 200, `<error code="100" description="Invalid API Key" />`);
      if (opts.noIndexers || torznab[1] !== "all") return xml(res, 200, `<error code="201" description="Indexer is not configured" />`);
      const t = url.searchParams.get("t");
      if (t === "caps") return xml(res, 200, CAPS);
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
