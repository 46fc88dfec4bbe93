import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";
import { tokenOf } from "../jellyfin/emulator.js";

/**
 * Emby Server emulator, from the public protocol facts (protocols.md §1/§2):
 * - the API lives under `/emby` (Emby also serves the same routes without the prefix); routes are case-insensitive;
 * - `System/Ping` and `System/Info/Public` need **no credential** (so they prove nothing about a key); the
 *   public info has `ServerName`, `Version` (4.x), `Id` and, unlike Jellyfin, **no ProductName**;
 * - `System/Info` and `Search/Hints` need the key (`X-Emby-Token`, `api_key`, or Token= in an Emby/MediaBrowser
 *   Authorization header) and answer **401** otherwise;
 * - `/` redirects to the web app `/web/index.html`.
 */
export interface EmbyOptions {
  apiKey: string;
  version?: string;
  serverId?: string;
  hang?: boolean;
  hints?: Record<string, unknown>[];
}

export interface EmbyEmulator extends FakeServer {
  state: EmbyOptions;
  /** Raw (still percent-encoded) `searchTerm` values Search/Hints received. */
  searches: string[];
}

export async function startEmby(opts: EmbyOptions): Promise<EmbyEmulator> {
  const state: EmbyOptions = { version: "4.8.10.0", serverId: "5b1f0c7e2d9a4e3f8c6b1a0d9e8f7c6b", ...opts };
  const searches: string[] = [];
  const publicInfo = () => ({ LocalAddress: "http://127.0.0.1:8096", ServerName: "emby-test", Version: state.version, Id: state.serverId });
  const server = await startFakeServer((req, res) => {
    if (state.hang) return;
    const url = new URL(req.url, "http://x");
    const full = url.pathname.toLowerCase().replace(/\/+$/, "") || "/";
    if (full === "/") {
      res.writeHead(302, { location: "/web/index.html" });
      res.end();
      return;
    }
    if (full.startsWith("/web/") || full === "/web") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!DOCTYPE html><html><head><title>Emby</title></head><body></body></html>");
      return;
    }
    const p = full.replace(/^\/emby(?=\/)/, "");
    if (p === "/system/ping") return sendJson(res, 200, "Emby Server");
    if (p === "/system/info/public") return sendJson(res, 200, publicInfo());
    if (tokenOf(req, url) !== state.apiKey) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("Access token is invalid or expired.");
      return;
    }
    if (p === "/system/info") return sendJson(res, 200, { ...publicInfo(), OperatingSystem: "Linux", HasPendingRestart: false, IsShuttingDown: false });
    if (p === "/search/hints") {
      const raw = /[?&]searchTerm=([^&]*)/i.exec(req.url)?.[1] ?? "";
      searches.push(raw);
      const term = decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const hits = (state.hints ?? []).filter((h) => String(h.Name ?? "").toLowerCase().includes(term.split(" ")[0] ?? "")).slice(0, limit);
      return sendJson(res, 200, { SearchHints: hits, TotalRecordCount: hits.length });
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Not found");
  });
  return Object.assign(server, { state, searches });
}

export const embyHints: Record<string, unknown>[] = [
  { ItemId: 3471, Id: "3471", Name: "Schindler's List (1993) & \"quotes\"", Type: "Movie", ProductionYear: 1993, PrimaryImageTag: "b2c3", MediaType: "Video" },
  { ItemId: 52, Id: "52", Name: "Schindler's Episode", Type: "Episode", Series: "A Show", MediaType: "Video" },
];
