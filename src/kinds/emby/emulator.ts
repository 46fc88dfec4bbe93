import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";
import { tokenOf } from "../jellyfin/emulator.js";
import { sampleSessions } from "../mediabrowser-family/emulator.js";
import { compareVersions } from "../../engine/version.js";

/**
 * Emby Server emulator, from the public protocol facts (docs/kinds.md, "Per-kind protocol table" and "Search endpoints"):
 * - the API lives under `/emby` (Emby also serves the same routes without the prefix); routes are case-insensitive;
 * - `System/Ping` and `System/Info/Public` need **no credential** (so they prove nothing about a key); the
 *   public info has `ServerName`, `Version` (4.x), `Id` and, unlike Jellyfin, **no ProductName**;
 * - `System/Info`, `Items`, `Sessions` need the key (`X-Emby-Token`, `api_key`, or Token= in an Emby/MediaBrowser
 *   Authorization header) and answer **401** otherwise;
 * - search: `GET Items?SearchTerm=&Recursive=true&Limit=&IncludeItemTypes=` (and `Users/{id}/Items`) →
 *   `{Items: BaseItemDto[], TotalRecordCount}` (Emby REST API reference, ItemsService getItems/getUsersByUseridItems,
 *   github MediaBrowser/Emby.SDK Documentation/reference/RestAPI/ItemsService/); without `Recursive=true` only
 *   the top level is listed, which holds no titles. `Search/Hints` is answered only by releases before 4.7: the
 *   4.7/4.8 reference no longer has a SearchService (per issue #11; the exact release it went away in is not
 *   verified here, 4.6 is the last one emulated with it);
 * - `GET Sessions` lists SessionInfo (mediabrowser-family/emulator.ts);
 * - `/` redirects to the web app `/web/index.html`.
 */
export interface EmbyOptions {
  apiKey: string;
  version?: string;
  serverId?: string;
  hang?: boolean;
  hints?: Record<string, unknown>[];
  playing?: Record<string, unknown>[];
  failData?: number;
  malformed?: boolean;
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
    if (p === "/sessions") {
      if (state.failData) return sendJson(res, state.failData, { message: "Error processing request." });
      if (state.malformed) return sendJson(res, 200, { Sessions: "none" });
      return sendJson(res, 200, state.playing ?? sampleSessions(state.serverId!));
    }
    if (p === "/items" || /^\/users\/[^/]+\/items$/.test(p)) {
      const q = new Map([...url.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
      const raw = /[?&]SearchTerm=([^&]*)/i.exec(req.url)?.[1];
      if (raw !== undefined) searches.push(raw);
      if (q.get("recursive") !== "true") return sendJson(res, 200, { Items: [], TotalRecordCount: 0 });
      const term = raw === undefined ? "" : decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
      const types = q.get("includeitemtypes")?.split(",");
      const limit = Number(q.get("limit") ?? 100);
      const hits = (state.hints ?? [])
        .filter((h) => String(h.Name ?? "").toLowerCase().includes(term.split(" ")[0] ?? ""))
        .filter((h) => !types || types.includes(String(h.Type)));
      return sendJson(res, 200, { Items: hits.slice(0, limit), TotalRecordCount: hits.length });
    }
    if (p === "/search/hints" && compareVersions(state.version!, "4.7") < 0) {
      const raw = /[?&]searchTerm=([^&]*)/i.exec(req.url)?.[1] ?? "";
      searches.push(raw);
      const term = decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const hits = (state.hints ?? []).filter((h) => String(h.Name ?? "").toLowerCase().includes(term.split(" ")[0] ?? "")).slice(0, limit);
      return sendJson(res, 200, { SearchHints: hits.map(({ ImageTags, SeriesName, ...h }) => ({ ...h, ItemId: h.Id, Series: SeriesName, PrimaryImageTag: (ImageTags as { Primary?: string } | undefined)?.Primary })), TotalRecordCount: hits.length });
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Not found");
  });
  return Object.assign(server, { state, searches });
}

/** Library items as `Items` returns them (BaseItemDto); `Search/Hints` (before 4.7) renders them as hints. */
export const embyHints: Record<string, unknown>[] = [
  { Id: "3471", Name: "Schindler's List (1993) & \"quotes\"", Type: "Movie", ProductionYear: 1993, ImageTags: { Primary: "b2c3" }, MediaType: "Video" },
  { Id: "52", Name: "Schindler's Episode", Type: "Episode", SeriesName: "A Show", MediaType: "Video", ImageTags: {} },
  { Id: "53", Name: "Schindler's Folder", Type: "Folder", ImageTags: {} },
];
