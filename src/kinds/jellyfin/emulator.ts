import crypto from "node:crypto";
import { sendJson, startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";
import { sampleSessions } from "../mediabrowser-family/emulator.js";

/**
 * Jellyfin emulator, from the public protocol facts (docs/kinds.md, "Per-kind protocol table" and "Search endpoints"):
 * - `System/Ping` and `System/Info/Public` answer **without any credential** (so they prove nothing about a key);
 *   the public info carries `ProductName: "Jellyfin Server"`, `Version`, `Id`, `ServerName`;
 * - authenticated endpoints (`System/Info`, `Search/Hints`, `Sessions/Logout`) answer **401 with an empty body**
 *   without a valid token; the token comes from `Authorization: MediaBrowser …, Token="…"` (or the legacy
 *   `X-Emby-Token` / `X-MediaBrowser-Token` headers, or `api_key`);
 * - `POST Users/AuthenticateByName {"Username","Pw"}` needs Client/Device/DeviceId/Version in the
 *   Authorization header (400 otherwise), answers 401 for a wrong password, else `AccessToken` + `User.Id`;
 *   a new login of the same user on the same DeviceId revokes that device's older session;
 * - `GET /Sessions` lists SessionInfoDto (same fields in 10.10 and 10.11, see mediabrowser-family/emulator.ts);
 * - routes are case-insensitive (ASP.NET); `/` redirects to the web app.
 */
export interface JellyfinOptions {
  apiKey: string;
  users?: Record<string, string>;
  version?: string;
  serverId?: string;
  hang?: boolean;
  wizardDone?: boolean;
  hints?: Record<string, unknown>[];
  /** What `GET /Sessions` lists (default: mediabrowser-family sampleSessions). */
  playing?: Record<string, unknown>[];
  /** Jellyfin 10.11's `EnableLegacyAuthorization` (default true); false refuses X-Emby-Token, X-MediaBrowser-Token,
   * `api_key`, X-Emby-Authorization and the `Emby` scheme (jellyfin/jellyfin v10.11.0
   * Jellyfin.Server.Implementations/Security/AuthorizationContext.cs, MediaBrowser.Model/Configuration/ServerConfiguration.cs). */
  legacyAuthorization?: boolean;
  /** Data endpoints (`Sessions`) answer this status instead. */
  failData?: number;
  /** Data endpoints answer 200 with JSON of another shape. */
  malformed?: boolean;
}

export interface JellyfinEmulator extends FakeServer {
  state: JellyfinOptions;
  /** Live user sessions (token → user/device); empty again once every login was logged out. */
  sessions: Map<string, { user: string; deviceId: string }>;
  stats: { logins: number; logouts: number };
  /** Raw (still percent-encoded) `searchTerm` values Search/Hints received. */
  searches: string[];
}

export function parseMediaBrowserAuth(header: string | undefined): Record<string, string> | undefined {
  if (!header) return undefined;
  const m = /^\s*(MediaBrowser|Emby)\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [, k, v] of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) out[k!] = decodeURIComponent(v!);
  return out;
}

export function tokenOf(req: Recorded, url: URL, legacy = true): string | undefined {
  if (!legacy) {
    // 10.11 with legacy authorization off: only `Authorization: MediaBrowser …` and `?ApiKey=`.
    const auth = /^\s*MediaBrowser\s/i.test(req.headers.authorization ?? "") ? parseMediaBrowserAuth(req.headers.authorization) : undefined;
    return auth?.Token ?? url.searchParams.get("ApiKey") ?? undefined;
  }
  const auth = parseMediaBrowserAuth(req.headers.authorization) ?? parseMediaBrowserAuth(req.headers["x-emby-authorization"] as string | undefined);
  return (
    auth?.Token ??
    (req.headers["x-emby-token"] as string | undefined) ??
    (req.headers["x-mediabrowser-token"] as string | undefined) ??
    url.searchParams.get("api_key") ??
    url.searchParams.get("ApiKey") ??
    undefined
  );
}

export async function startJellyfin(opts: JellyfinOptions): Promise<JellyfinEmulator> {
  const state: JellyfinOptions = { version: "10.10.7", serverId: "f3e9c1a27b4d4c0e9d8a6b5c4d3e2f10", users: {}, wizardDone: true, ...opts };
  const sessions = new Map<string, { user: string; deviceId: string }>();
  const searches: string[] = [];
  const counters = { logins: 0, logouts: 0 };
  const userId = (name: string) => crypto.createHash("md5").update(name).digest("hex");
  const publicInfo = () => ({
    LocalAddress: "http://127.0.0.1:8096",
    ServerName: "jf-test",
    Version: state.version,
    ProductName: "Jellyfin Server",
    OperatingSystem: "",
    Id: state.serverId,
    StartupWizardCompleted: state.wizardDone,
  });

  const server = await startFakeServer((req, res) => {
    if (state.hang) return;
    const url = new URL(req.url, "http://x");
    const p = url.pathname.toLowerCase().replace(/\/+$/, "") || "/";
    const unauthorized = () => {
      res.writeHead(401, { "content-length": "0" });
      res.end();
    };
    if (p === "/") {
      res.writeHead(302, { location: "web/" });
      res.end();
      return;
    }
    if (p === "/web" || p.startsWith("/web/")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end('<!DOCTYPE html><html class="preload"><head><title>Jellyfin</title></head><body></body></html>');
      return;
    }
    if (p === "/system/ping") return sendJson(res, 200, "Jellyfin Server");
    if (p === "/system/info/public") return sendJson(res, 200, publicInfo());
    if (p === "/users/authenticatebyname" && req.method === "POST") {
      const auth = parseMediaBrowserAuth(req.headers.authorization);
      const deviceId = auth?.DeviceId;
      if (!auth?.Client || !auth.Device || !deviceId || !auth.Version) {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end("Error processing request.");
        return;
      }
      let body: { Username?: string; Pw?: string } = {};
      try {
        body = JSON.parse(req.body);
      } catch {
        /* empty */
      }
      const pw = body.Username !== undefined ? state.users?.[body.Username] : undefined;
      if (pw === undefined || pw !== body.Pw) return unauthorized();
      for (const [t, s] of sessions) if (s.user === body.Username && s.deviceId === deviceId) sessions.delete(t);
      const token = crypto.randomBytes(16).toString("hex");
      sessions.set(token, { user: body.Username!, deviceId });
      counters.logins++;
      return sendJson(res, 200, {
        User: { Name: body.Username, ServerId: state.serverId, Id: userId(body.Username!), Policy: { IsAdministrator: false } },
        SessionInfo: { Id: crypto.randomBytes(8).toString("hex"), UserId: userId(body.Username!), Client: auth.Client, DeviceId: deviceId },
        AccessToken: token,
        ServerId: state.serverId,
      });
    }
    const token = tokenOf(req, url, state.legacyAuthorization !== false);
    const session = token !== undefined ? sessions.get(token) : undefined;
    if (token !== state.apiKey && !session) return unauthorized();
    if (p === "/system/info") {
      return sendJson(res, 200, { ...publicInfo(), OperatingSystemDisplayName: "Linux", HasPendingRestart: false, IsShuttingDown: false });
    }
    if (p === "/sessions/logout" && req.method === "POST") {
      if (session) {
        sessions.delete(token!);
        counters.logouts++;
      }
      res.writeHead(204);
      res.end();
      return;
    }
    if (p === "/sessions" && req.method === "GET") {
      if (state.failData) return sendJson(res, state.failData, { message: "Error processing request." });
      if (state.malformed) return sendJson(res, 200, { Sessions: "none" });
      return sendJson(res, 200, state.playing ?? sampleSessions(state.serverId!));
    }
    if (p === "/search/hints") {
      const raw = /[?&]searchTerm=([^&]*)/i.exec(req.url)?.[1] ?? "";
      searches.push(raw);
      const term = decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
      const limit = Number(url.searchParams.get("limit") ?? 20);
      const hits = (state.hints ?? []).filter((h) => String(h.Name ?? "").toLowerCase().includes(term.split(" ")[0] ?? "")).slice(0, limit);
      return sendJson(res, 200, { SearchHints: hits, TotalRecordCount: hits.length });
    }
    res.writeHead(404, { "content-length": "0" });
    res.end();
  });
  return Object.assign(server, { state, sessions, searches, stats: counters });
}

export const jellyfinHints: Record<string, unknown>[] = [
  {
    ItemId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    Id: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    Name: "Schindler's List (1993) & \"quotes\"",
    Type: "Movie",
    ProductionYear: 1993,
    PrimaryImageTag: "7d3c2b1a",
    MediaType: "Video",
    RunTimeTicks: 117000000000,
  },
  {
    ItemId: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    Id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    Name: "Schindler's Song",
    Type: "Audio",
    Album: "Soundtrack",
    AlbumArtist: "John Williams",
    MediaType: "Audio",
  },
];
