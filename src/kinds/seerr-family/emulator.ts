import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Overseerr / Jellyseerr emulator, from the public protocol facts (protocols.md §1/§2, lessons.md #12):
 * - `/api/v1/status` and `/api/v1/settings/public` are anonymous; only Jellyseerr's public settings carry
 *   `mediaServerType`;
 * - authenticated routes (`/api/v1/auth/me`, `/api/v1/search`) take `X-Api-Key`; a missing or wrong key gets
 *   **403** JSON `{"status":403,"error":"You do not have permission to access this endpoint"}` (not 401);
 * - the request validator runs before authentication and is **strict about `query`**: a value with `+` or any
 *   reserved character left raw (`!'()*` included) answers 400 "Parameter 'query' must be url encoded. Its
 *   value may not contain reserved characters.";
 * - everything outside `/api` is the Next.js web app (HTML).
 */
export interface SeerrOptions {
  flavor: "Overseerr" | "Jellyseerr";
  apiKey: string;
  version?: string;
  hang?: boolean;
  results?: Record<string, unknown>[];
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

export async function startSeerr(opts: SeerrOptions): Promise<SeerrEmulator> {
  const state: SeerrOptions = { version: opts.flavor === "Overseerr" ? "1.33.2" : "2.5.2", ...opts };
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
    if (p === "/api/v1/settings/public") {
      const common = {
        initialized: true,
        applicationTitle: state.flavor,
        applicationUrl: "",
        hideAvailable: false,
        localLogin: true,
        movie4kEnabled: false,
        series4kEnabled: false,
        region: "",
        originalLanguage: "",
        partialRequestsEnabled: true,
        cacheImages: false,
        locale: "en",
        emailEnabled: false,
      };
      return sendJson(res, 200, state.flavor === "Jellyseerr" ? { ...common, mediaServerType: 2, jellyfinServerName: "jf", jellyfinHost: "" } : common);
    }
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
        userType: state.flavor === "Jellyseerr" ? 2 : 1,
        permissions: 2,
        avatar: "/os_logo_square.png",
        createdAt: "2024-01-01T00:00:00.000Z",
        updatedAt: "2024-01-01T00:00:00.000Z",
        requestCount: 0,
        displayName: "admin",
      });
    }
    sendJson(res, 404, { message: "not found", errors: [{ path: p, message: "not found" }] });
  });
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
