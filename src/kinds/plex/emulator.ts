import type http from "node:http";
import { startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Plex Media Server emulator, from the public protocol facts (docs/kinds.md, "Per-kind protocol table" and "Search endpoints"):
 * - replies are XML unless the request says `Accept: application/json`;
 * - `/identity` needs no token (MediaContainer machineIdentifier + version);
 * - everything else needs `X-Plex-Token` (header or query); a missing/wrong token gets **401 with a small
 *   HTML page** "Unauthorized";
 * - `/` (with token) has friendlyName, machineIdentifier, version; `/prefs` lists settings;
 * - `/hubs/search?query=&limit=` answers MediaContainer.Hub[] each with Metadata[];
 * - `/status/sessions` (token) lists current playbacks as MediaContainer.Metadata[] with `User`, `Player`
 *   (`state`: playing | paused | buffering), `Session` and, while transcoding, `TranscodeSession`
 *   (`videoDecision`/`audioDecision`); `viewOffset`/`duration` in ms (python-plexapi plexapi/server.py
 *   sessions(), plexapi/media.py Session/TranscodeSession, plexapi/client.py Player fields);
 * - `/web/index.html` is the web app (HTML), unknown paths 404 HTML.
 * The state object is live: tests may flip `hang` or `version` after start.
 */
export interface PlexOptions {
  token: string;
  version?: string;
  machineIdentifier?: string;
  friendlyName?: string;
  hang?: boolean;
  metadata?: Record<string, unknown>[];
  /** What `/status/sessions` lists (default: plexSessions). */
  playing?: Record<string, unknown>[];
  /** Data endpoints (`/status/sessions`) answer this status instead. */
  failData?: number;
  /** Data endpoints answer 200 with JSON of another shape. */
  malformed?: boolean;
}

export interface PlexEmulator extends FakeServer {
  state: PlexOptions;
  /** Raw (still percent-encoded) `query` values /hubs/search received. */
  searches: string[];
}

const UNAUTHORIZED = "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>";
const NOT_FOUND = "<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>";

function esc(v: string): string {
  return v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Minimal XML rendering of a MediaContainer the way PMS does it (scalar fields as attributes, arrays as children). */
function toXml(tag: string, obj: Record<string, unknown>): string {
  const attrs: string[] = [];
  const children: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v)) for (const c of v) children.push(toXml(k, c as Record<string, unknown>));
    else if (v !== null && typeof v === "object") children.push(toXml(k, v as Record<string, unknown>));
    else if (v !== undefined) attrs.push(`${k}="${esc(typeof v === "boolean" ? (v ? "1" : "0") : String(v))}"`);
  }
  const open = `<${tag}${attrs.length ? " " + attrs.join(" ") : ""}`;
  return children.length ? `${open}>\n${children.join("\n")}\n</${tag}>` : `${open}></${tag}>`;
}

function reply(req: { headers: http.IncomingHttpHeaders }, res: http.ServerResponse, container: Record<string, unknown>) {
  const accept = String(req.headers.accept ?? "");
  if (accept.includes("application/json")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ MediaContainer: container }));
  } else {
    res.writeHead(200, { "content-type": "text/xml;charset=utf-8" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${toXml("MediaContainer", container)}\n`);
  }
}

export async function startPlex(opts: PlexOptions): Promise<PlexEmulator> {
  const state: PlexOptions = { version: "1.41.3.9314-a0bfb8370", machineIdentifier: "0f5c2e1d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", friendlyName: "Living Room", ...opts };
  const searches: string[] = [];
  const server = await startFakeServer((req, res) => {
    if (state.hang) return;
    const url = new URL(req.url, "http://x");
    const html = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/html" });
      res.end(body);
    };
    if (url.pathname === "/identity") {
      return reply(req, res, { size: 0, claimed: true, machineIdentifier: state.machineIdentifier, version: state.version });
    }
    if (url.pathname === "/web" || url.pathname.startsWith("/web/")) {
      return html(200, "<!DOCTYPE html><html><head><title>Plex</title></head><body><div id=\"plex\"></div></body></html>");
    }
    const token = (req.headers["x-plex-token"] as string | undefined) ?? url.searchParams.get("X-Plex-Token");
    if (token !== state.token) return html(401, UNAUTHORIZED);
    if (url.pathname === "/") {
      return reply(req, res, {
        size: 2,
        allowSync: true,
        friendlyName: state.friendlyName,
        machineIdentifier: state.machineIdentifier,
        myPlex: true,
        platform: "Linux",
        version: state.version,
        Directory: [
          { count: 1, key: "library", title: "library" },
          { count: 1, key: "search", title: "search" },
        ],
      });
    }
    if (url.pathname === "/prefs") {
      return reply(req, res, { size: 1, Setting: [{ id: "FriendlyName", type: "text", value: state.friendlyName }] });
    }
    if (url.pathname === "/status/sessions") {
      if (state.failData) return html(state.failData, "<html><head><title>Internal Server Error</title></head></html>");
      if (state.malformed) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ MediaContainer: { size: 1, Metadata: "none" } }));
        return;
      }
      const list = state.playing ?? plexSessions;
      // An empty container has no Metadata at all.
      return reply(req, res, list.length ? { size: list.length, Metadata: list } : { size: 0 });
    }
    if (url.pathname === "/hubs/search") {
      const raw = /[?&]query=([^&]*)/.exec(req.url)?.[1] ?? "";
      searches.push(raw);
      const term = decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
      const limit = Number(url.searchParams.get("limit") ?? 10);
      const items = (state.metadata ?? []).filter((m) => String(m.title ?? "").toLowerCase().includes(term.split(" ")[0] ?? ""));
      const byType = new Map<string, Record<string, unknown>[]>();
      for (const m of items) byType.set(String(m.type), [...(byType.get(String(m.type)) ?? []), m]);
      const hubs = [...byType].map(([type, list]) => ({ title: type, type, hubIdentifier: type, size: list.length, Metadata: list.slice(0, limit) }));
      hubs.push({ title: "Genres", type: "genre", hubIdentifier: "genre", size: 0, Metadata: [] });
      return reply(req, res, { size: hubs.length, Hub: hubs });
    }
    return html(404, NOT_FOUND);
  });
  return Object.assign(server, { state, searches });
}

export const plexSample: Record<string, unknown>[] = [
  {
    ratingKey: "4711",
    key: "/library/metadata/4711",
    type: "movie",
    title: "Schindler's List (1993) & \"quotes\"",
    year: 1993,
    thumb: "/library/metadata/4711/thumb/1700000000",
    summary: "A test movie with an exotic title.",
    librarySectionTitle: "Movies",
  },
  {
    ratingKey: "815",
    key: "/library/metadata/815",
    type: "episode",
    title: "Schindler's Pilot",
    grandparentTitle: "Some Show",
    parentTitle: "Season 1",
    thumb: "https://metadata-static.plex.tv/x/y.jpg",
    librarySectionTitle: "TV Shows",
  },
];

/** Three playbacks: a transcoded movie, a paused episode played directly, a buffering track. */
export const plexSessions: Record<string, unknown>[] = [
  {
    sessionKey: "12",
    ratingKey: "4711",
    type: "movie",
    title: "Pulp Fiction",
    year: 1994,
    thumb: "/library/metadata/4711/thumb/1700000000",
    viewOffset: 1_234_000,
    duration: 9_240_000,
    User: { id: "1", title: "alice", thumb: "https://plex.tv/users/1a2b/avatar?c=1700000000" },
    Player: { address: "10.0.0.5", machineIdentifier: "tv-1", platform: "Android", product: "Plex for Android (TV)", state: "playing", title: "Living Room TV", local: true },
    Session: { id: "a1b2c3d4e5f6a7b8c9d0e1f2", bandwidth: 12000, location: "lan" },
    TranscodeSession: { key: "/transcode/sessions/xyz", throttled: false, progress: 12.5, videoDecision: "transcode", audioDecision: "copy", container: "mpegts" },
  },
  {
    sessionKey: "13",
    ratingKey: "815",
    type: "episode",
    title: "The Rains of Castamere",
    grandparentTitle: "Game of Thrones",
    parentTitle: "Season 3",
    grandparentThumb: "/library/metadata/800/thumb/1700000000",
    viewOffset: 60_000,
    duration: 3_186_000,
    User: { id: "2", title: "bob" },
    Player: { machineIdentifier: "web-1", platform: "Firefox", product: "Plex Web", state: "paused", title: "Firefox" },
    Session: { id: "b2c3d4e5f6a7b8c9d0e1f2a3", location: "lan" },
  },
  {
    sessionKey: "14",
    type: "track",
    title: "Hymn",
    grandparentTitle: "An Artist",
    parentTitle: "Songs",
    viewOffset: 30_000,
    duration: 240_000,
    User: { id: "3", title: "carol" },
    Player: { machineIdentifier: "phone-1", product: "Plexamp", state: "buffering", title: "Phone" },
    Session: { id: "c3d4e5f6a7b8c9d0e1f2a3b4", location: "wan" },
    TranscodeSession: { videoDecision: "directplay", audioDecision: "copy" },
  },
];
