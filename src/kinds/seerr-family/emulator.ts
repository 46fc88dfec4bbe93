import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Overseerr / Jellyseerr / Seerr emulator. One API (`/api/v1`), three lines of releases:
 * - Overseerr 1.x (github sct/overseerr), Jellyseerr 2.x (github fallenbagel/jellyseerr), and Seerr 3.x, the
 *   same repository renamed (github seerr-team/seerr, tags v2.x carried over, v3.0.0 onwards as Seerr).
 * - `/api/v1/status` is anonymous: `{version, commitTag, updateAvailable, commitsBehind, restartRequired}`
 *   (sct/overseerr v1.15.0+ server/routes/index.ts; seerr-team/seerr v3.1.0 server/routes/index.ts).
 * - `/api/v1/settings/public` is anonymous. Overseerr's has no `mediaServerType` (sct/overseerr v1.34.0
 *   server/lib/settings.ts fullPublicSettings); Jellyseerr 2.x and Seerr 3.x always carry it (1 = Plex,
 *   2 = Jellyfin, 3 = Emby, 4 = not configured: seerr-team/seerr v3.1.0 server/constants/server.ts), so a
 *   Seerr that was migrated from Overseerr reports `mediaServerType: 1`.
 * - authenticated routes take `X-Api-Key`; a missing or wrong key gets **403** JSON
 *   `{"status":403,"error":"You do not have permission to access this endpoint"}` (not 401) (docs/kinds.md, "Per-kind protocol table").
 * - the request validator runs before authentication and is **strict about `query`**: a value with `+` or any
 *   reserved character left raw (`!'()*` included) answers 400 (docs/kinds.md, search row).
 * - requests (server/routes/request.ts, same file in all three): `GET /request?take&skip&filter&sort` →
 *   `{pageInfo:{pages,pageSize,results,page}, results: MediaRequest[]}` sorted by id descending;
 *   `GET /request/count` (sct/overseerr v1.17.0+) → `{total,movie,tv,pending,approved,declined,processing,available}`
 *   plus `completed` from Jellyseerr v2.6.0 on; `POST /request/:id/:status` (approve|decline|pending) sets the
 *   status and answers 200 with the saved request, 404 `{"message":"Request not found."}` for an unknown id.
 * - request status: 1 pending, 2 approved, 3 declined, 4 failed, and 5 completed from Jellyseerr v2.6.0
 *   (server/constants/media.ts MediaRequestStatus); there, `filter=available` means status *completed* with
 *   the media available, while Overseerr (and Jellyseerr < 2.6) means approved with the media available.
 *   There is no `declined` filter in any release: declined requests show only under `all` (the default).
 * - media status (server/constants/media.ts MediaStatus): 1 unknown, 2 pending, 3 processing, 4 partially
 *   available, 5 available, 6 blacklisted (Jellyseerr 2.x) / blocklisted (Seerr 3.x), 7 deleted (v2.6.0+).
 * - `GET /movie/:tmdbId` → `{id,title,releaseDate,posterPath,…}`, `GET /tv/:tmdbId` → `{id,name,firstAirDate,posterPath,…}`.
 * - users (server/entity/User.ts): `displayName` is filled after load (sct/overseerr v1.18.0+); `avatar` is
 *   a plex.tv/gravatar URL in Overseerr, a local path (`/avatarproxy/…`, `/os_logo_square.png`) in Jellyseerr/Seerr.
 * - everything outside `/api` is the Next.js web app (HTML).
 */
export type SeerrFlavor = "Overseerr" | "Jellyseerr" | "Seerr";

export interface EmulatedRequest {
  id: number;
  /** MediaRequestStatus: 1 pending, 2 approved, 3 declined, 4 failed, 5 completed. */
  status: number;
  type: "movie" | "tv";
  tmdbId: number;
  /** MediaStatus of the media (1..7). */
  mediaStatus: number;
  is4k?: boolean;
  mediaStatus4k?: number;
  createdAt: string;
  requestedBy: { id: number; displayName: string; avatar: string };
}

export interface SeerrOptions {
  flavor: SeerrFlavor;
  apiKey: string;
  version?: string;
  hang?: boolean;
  results?: Record<string, unknown>[];
  requests?: EmulatedRequest[];
  /** TMDB details by `movie:<id>` / `tv:<id>`. */
  titles?: Record<string, Record<string, unknown>>;
  /** Data endpoints (requests, counts, details) answer this status instead (e.g. 500). */
  failData?: number;
  /** Data endpoints answer 200 with JSON of another shape. */
  malformed?: boolean;
}

export interface SeerrEmulator extends FakeServer {
  state: SeerrOptions;
  /** Raw (still percent-encoded) `query` values the search accepted. */
  searches: string[];
  /** Raw `query` values the validator rejected. */
  rejected: string[];
}

export const NOT_ENCODED = "Parameter 'query' must be url encoded. Its value may not contain reserved characters.";
const FORBIDDEN = { status: 403, error: "You do not have permission to access this endpoint" };

/** Only unreserved characters (RFC 3986) and %XX escapes. */
const STRICT = /^(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*$/;

const DEFAULT_VERSION: Record<SeerrFlavor, string> = { Overseerr: "1.34.0", Jellyseerr: "2.7.3", Seerr: "3.1.0" };

/** COMPLETED request status and the `completed` count exist from Jellyseerr v2.6.0 (and so in Seerr 3.x). */
export function hasCompleted(flavor: SeerrFlavor, version: string): boolean {
  if (flavor === "Overseerr") return false;
  const [maj = 0, min = 0] = version.split(".").map(Number);
  return maj > 2 || (maj === 2 && min >= 6);
}

function publicSettings(flavor: SeerrFlavor): Record<string, unknown> {
  const common = {
    initialized: true,
    applicationTitle: flavor,
    applicationUrl: "",
    hideAvailable: false,
    localLogin: true,
    movie4kEnabled: false,
    series4kEnabled: false,
    originalLanguage: "",
    partialRequestsEnabled: true,
    cacheImages: false,
    locale: "en",
    emailEnabled: false,
  };
  // sct/overseerr v1.34.0 server/lib/settings.ts: `region`, no media server type.
  if (flavor === "Overseerr") return { ...common, region: "", newPlexLogin: true };
  // fallenbagel/jellyseerr v2.x: mediaServerType + jellyfin fields; a Jellyfin-backed install.
  if (flavor === "Jellyseerr") return { ...common, discoverRegion: "", streamingRegion: "", mediaServerType: 2, jellyfinServerName: "jf", jellyfinExternalHost: "" };
  // seerr-team/seerr v3.1.0 server/lib/settings/index.ts: a Plex-backed install migrated from Overseerr.
  return { ...common, discoverRegion: "", streamingRegion: "", hideBlocklisted: false, mediaServerLogin: true, mediaServerType: 1, enableSpecialEpisodes: false, youtubeUrl: "" };
}

export async function startSeerr(opts: SeerrOptions): Promise<SeerrEmulator> {
  const state: SeerrOptions = { version: DEFAULT_VERSION[opts.flavor], requests: [], titles: {}, ...opts };
  const searches: string[] = [];
  const rejected: string[] = [];
  const server = await startFakeServer((req, res) => {
    if (state.hang) return;
    const url = new URL(req.url, "http://x");
    const p = url.pathname;
    if (!p.startsWith("/api/")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!DOCTYPE html><html><head><title>${state.flavor}</title></head><body><div id="__next"></div></body></html>`);
      return;
    }
    if (p === "/api/v1/status") {
      return sendJson(res, 200, { version: state.version, commitTag: "local", updateAvailable: false, commitsBehind: 0, restartRequired: false });
    }
    if (p === "/api/v1/settings/public") return sendJson(res, 200, publicSettings(state.flavor));
    if (p === "/api/v1/search") {
      const raw = /[?&]query=([^&]*)/.exec(req.url)?.[1];
      if (raw === undefined || !STRICT.test(raw)) {
        if (raw !== undefined) rejected.push(raw);
        const message = raw === undefined ? "request/query must have required property 'query'" : NOT_ENCODED;
        return sendJson(res, 400, { message, errors: [{ path: ".query.query", message }] });
      }
      if (!authorized(req.headers)) return sendJson(res, 403, FORBIDDEN);
      searches.push(raw);
      const term = decodeURIComponent(raw).toLowerCase();
      const results = (state.results ?? []).filter((r) => String(r.title ?? r.name ?? "").toLowerCase().includes(term.split(" ")[0] ?? ""));
      return sendJson(res, 200, { page: Number(url.searchParams.get("page") ?? 1), totalPages: 1, totalResults: results.length, results });
    }
    if (!authorized(req.headers)) return sendJson(res, 403, FORBIDDEN);
    if (p === "/api/v1/auth/me") {
      return sendJson(res, 200, {
        id: 1,
        email: "admin@example.org",
        username: "admin",
        userType: state.flavor === "Overseerr" ? 1 : 2,
        permissions: 2,
        avatar: "/os_logo_square.png",
        createdAt: "2024-01-01T00:00:00.000Z",
        updatedAt: "2024-01-01T00:00:00.000Z",
        requestCount: 0,
        displayName: "admin",
      });
    }
    if (/^\/api\/v1\/(request|movie|tv)(\/|$)/.test(p)) {
      if (state.failData) return sendJson(res, state.failData, { message: "Something went wrong." });
      if (state.malformed) return sendJson(res, 200, { unexpected: true });
      return data(req.method, p, url, res);
    }
    sendJson(res, 404, { message: "not found", errors: [{ path: p, message: "not found" }] });
  });

  function data(method: string, p: string, url: URL, res: http.ServerResponse) {
    const requests = state.requests ?? [];
    const completed = hasCompleted(state.flavor, state.version ?? "");
    const mediaStatusOf = (r: EmulatedRequest) => (r.is4k ? (r.mediaStatus4k ?? 1) : r.mediaStatus);
    if (method === "GET" && p === "/api/v1/request/count") {
      const by = (f: (r: EmulatedRequest) => boolean) => requests.filter(f).length;
      const counts: Record<string, number> = {
        total: requests.length,
        movie: by((r) => r.type === "movie"),
        tv: by((r) => r.type === "tv"),
        pending: by((r) => r.status === 1),
        approved: by((r) => r.status === 2),
        declined: by((r) => r.status === 3),
        processing: by((r) => r.status === 2 && mediaStatusOf(r) !== 5),
        available: by((r) => r.status === 2 && mediaStatusOf(r) === 5),
      };
      if (completed) counts.completed = by((r) => r.status === 5);
      return sendJson(res, 200, counts);
    }
    if (method === "GET" && p === "/api/v1/request") {
      const take = url.searchParams.get("take") ? Number(url.searchParams.get("take")) : 10;
      const skip = Number(url.searchParams.get("skip") ?? 0);
      const filter = url.searchParams.get("filter");
      const allStatuses = completed ? [1, 2, 3, 4, 5] : [1, 2, 3, 4];
      // server/routes/request.ts: the status and media-status filters per `filter` value.
      const statuses =
        filter === "approved" || filter === "processing" || (filter === "available" && !completed)
          ? [2]
          : filter === "pending"
            ? [1]
            : filter === "failed"
              ? [4]
              : filter === "available" && completed
                ? [5]
                : allStatuses;
      const media = filter === "available" ? [5] : filter === "processing" ? [1, 2, 3, 4] : [1, 2, 3, 4, 5, 7];
      const hits = requests.filter((r) => statuses.includes(r.status) && media.includes(mediaStatusOf(r))).sort((a, b) => b.id - a.id);
      const page = hits.slice(skip, skip + take).map(render);
      return sendJson(res, 200, { pageInfo: { pages: Math.ceil(hits.length / take), pageSize: take, results: hits.length, page: Math.ceil(skip / take) + 1 }, results: page });
    }
    const action = /^\/api\/v1\/request\/([^/]+)\/(approve|decline|pending)$/.exec(p);
    if (method === "POST" && action) {
      const r = requests.find((x) => x.id === Number(action[1]));
      if (!r) return sendJson(res, 404, { message: "Request not found." });
      r.status = action[2] === "approve" ? 2 : action[2] === "decline" ? 3 : 1;
      return sendJson(res, 200, render(r));
    }
    const detail = /^\/api\/v1\/(movie|tv)\/(\d+)$/.exec(p);
    if (method === "GET" && detail) {
      const t = state.titles?.[`${detail[1]}:${detail[2]}`];
      if (!t) return sendJson(res, 404, { message: "Unable to retrieve movie." });
      return sendJson(res, 200, { id: Number(detail[2]), ...t });
    }
    sendJson(res, 404, { message: "not found", errors: [{ path: p, message: "not found" }] });
  }

  function render(r: EmulatedRequest) {
    const user = { id: r.requestedBy.id, email: `user${r.requestedBy.id}@example.org`, username: null, userType: 1, avatar: r.requestedBy.avatar, displayName: r.requestedBy.displayName };
    return {
      id: r.id,
      status: r.status,
      createdAt: r.createdAt,
      updatedAt: r.createdAt,
      type: r.type,
      is4k: r.is4k ?? false,
      serverId: null,
      profileId: null,
      rootFolder: null,
      media: { id: r.id + 1000, mediaType: r.type, tmdbId: r.tmdbId, tvdbId: null, status: r.mediaStatus, status4k: r.mediaStatus4k ?? 1, createdAt: r.createdAt, updatedAt: r.createdAt },
      seasons: [],
      modifiedBy: null,
      requestedBy: user,
      seasonCount: 0,
    };
  }

  function authorized(headers: http.IncomingHttpHeaders): boolean {
    return headers["x-api-key"] === state.apiKey;
  }
  return Object.assign(server, { state, searches, rejected });
}

export const seerrResults: Record<string, unknown>[] = [
  {
    id: 424,
    mediaType: "movie",
    title: "Schindler's List (1993) & \"quotes\"",
    originalTitle: "Schindler's List",
    releaseDate: "1993-12-15",
    posterPath: "/sF1U4EUQS8YHUYjNl3pMGNIQyr0.jpg",
    overview: "A test movie with an exotic title.",
    mediaInfo: { id: 3, tmdbId: 424, status: 5 },
  },
  { id: 1399, mediaType: "tv", name: "Schindler's Show", firstAirDate: "2011-04-17", posterPath: null, overview: "" },
  { id: 488, mediaType: "person", name: "Schindler's Actor", profilePath: "/abc.jpg" },
];

/** A small request queue: every status and a 4K request, requesters with remote and local avatars. */
export function sampleRequests(flavor: SeerrFlavor, version: string): { requests: EmulatedRequest[]; titles: Record<string, Record<string, unknown>> } {
  const alice = { id: 2, displayName: "Alice", avatar: flavor === "Overseerr" ? "https://plex.tv/users/5a1b/avatar?c=1700000000" : "/avatarproxy/5a1b" };
  // A value that would hand out a credential if passed on; it must be dropped.
  const bob = { id: 3, displayName: "Bob", avatar: "https://plex.example.org/photo/:/transcode?url=/u/3&X-Plex-Token=leaky-token-123" };
  const requests: EmulatedRequest[] = [
    { id: 11, status: 1, type: "movie", tmdbId: 424, mediaStatus: 2, createdAt: "2026-11-01T10:00:00.000Z", requestedBy: alice },
    { id: 12, status: 2, type: "tv", tmdbId: 1399, mediaStatus: 3, createdAt: "2026-11-02T10:00:00.000Z", requestedBy: bob },
    { id: 13, status: 3, type: "movie", tmdbId: 603, mediaStatus: 1, createdAt: "2026-11-03T10:00:00.000Z", requestedBy: alice },
    // Available: an approved request in Overseerr / Jellyseerr < 2.6, a completed one from 2.6 on.
    { id: 14, status: hasCompleted(flavor, version) ? 5 : 2, type: "movie", tmdbId: 680, mediaStatus: 5, createdAt: "2026-11-04T10:00:00.000Z", requestedBy: bob },
    { id: 15, status: 1, type: "movie", tmdbId: 603, mediaStatus: 1, is4k: true, mediaStatus4k: 4, createdAt: "2026-11-05T10:00:00.000Z", requestedBy: alice },
  ];
  const titles = {
    "movie:424": { title: "Schindler's List", releaseDate: "1993-12-15", posterPath: "/sF1U4EUQS8YHUYjNl3pMGNIQyr0.jpg" },
    "tv:1399": { name: "Game of Thrones", firstAirDate: "2011-04-17", posterPath: "/1XS1oqL89opfnbLl8WnZY1O1uJx.jpg" },
    "movie:603": { title: "The Matrix", releaseDate: "1999-03-30", posterPath: null },
    "movie:680": { title: "Pulp Fiction", releaseDate: "", posterPath: "/d5iIlFn5s0ImszYzBPb8JPIfbXD.jpg" },
  };
  return { requests, titles };
}
