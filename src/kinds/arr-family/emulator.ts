import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of the *arr family's API (Sonarr v3/v4, Radarr v3–v6, Lidarr 1.x/2.x, Readarr 0.x, Prowlarr 1.x/2.x).
 * Each behaviour cites the upstream file it encodes:
 * - the key: X-Api-Key header, `?apikey=` or `Authorization: Bearer` (Sonarr/Sonarr
 *   src/Sonarr.Http/Authentication/ApiKeyAuthenticationHandler.cs, v4.0.19.2979); a wrong key is 401 with an empty body;
 * - `/api` → `{current, deprecated}` (src/Sonarr.Http/ApiInfoController.cs, v4.0.19.2979);
 * - `/api/<v>/system/status` → `{appName, version, …}` (src/Sonarr.Api.V3/System/SystemController.cs);
 * - anything outside /api is the SPA's index.html with 200 (src/Sonarr.Http/Frontend/Mappers/IndexHtmlMapper.cs);
 * - lookup/search, calendar, and Prowlarr's indexer endpoints as cited next to each below.
 * Options are read on every request, so a test may change them (hang, fail) after the integration was created.
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
  /** What the calendar endpoint holds: episodes (Sonarr), movies (Radarr), albums (Lidarr), books (Readarr). */
  calendar?: Record<string, unknown>[];
  /** Prowlarr: configured indexers, with whether their test fails (`testFails`, not sent). */
  indexers?: (Record<string, unknown> & { id: number; name: string; enable: boolean; testFails?: string })[];
  indexerStatus?: Record<string, unknown>[];
  health?: Record<string, unknown>[];
  /** Data endpoints (not system/status) answer this status, or a body that is not the documented shape. */
  fail?: number;
  malformed?: boolean;
}

const apiVersion = (app: ArrOptions["app"]) => (app === "Sonarr" || app === "Radarr" ? "v3" : "v1");

export interface ArrEmulator extends FakeServer {
  /** The raw `term` query parameters the lookup endpoint received, still percent-encoded. */
  lookups: string[];
}

// The fields that carry each app's calendar date, and the relation the calendar embeds only on request:
// Sonarr EpisodesBetweenDates on `airDateUtc`, `series` with includeSeries (src/Sonarr.Api.V3/Calendar/
// CalendarController.cs, src/Sonarr.Api.V3/Episodes/EpisodeControllerWithSignalR.cs MapToResource, v4.0.19.2979);
// Radarr GetMoviesBetweenDates on any of the three release dates (src/NzbDrone.Core/Movies/MovieRepository.cs
// MoviesBetweenDates, v5.28.0.10274); Lidarr AlbumsBetweenDates on `releaseDate`, `artist` with includeArtist
// (src/Lidarr.Api.V1/Calendar/CalendarController.cs, v2.14.5.4836); Readarr BooksBetweenDates on `releaseDate`,
// `author` with includeAuthor (src/Readarr.Api.V1/Calendar/CalendarController.cs, v0.3.21.2475).
const CALENDAR: Record<ArrOptions["app"], { dates: string[]; embed?: [param: string, field: string] }> = {
  Sonarr: { dates: ["airDateUtc"], embed: ["includeSeries", "series"] },
  Radarr: { dates: ["inCinemas", "physicalRelease", "digitalRelease"] },
  Lidarr: { dates: ["releaseDate"], embed: ["includeArtist", "artist"] },
  Readarr: { dates: ["releaseDate"], embed: ["includeAuthor", "author"] },
  Prowlarr: { dates: [] },
};

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
    if (opts.fail) return sendJson(res, opts.fail, { message: "Internal Server Error" });
    if (opts.malformed) return sendJson(res, 200, { records: "not a list" });
    const lookupPath = { Sonarr: "/api/v3/series/lookup", Radarr: "/api/v3/movie/lookup", Lidarr: "/api/v1/search", Readarr: "/api/v1/search", Prowlarr: "/api/v1/search" }[opts.app];
    if (url.pathname === lookupPath) {
      const raw = /[?&](term|query)=([^&]*)/.exec(req.url)?.[2] ?? "";
      lookups.push(raw);
      const term = decodeURIComponent(raw).toLowerCase();
      const items = (opts.lookup ?? []).filter((i) => JSON.stringify(i).toLowerCase().includes(term.split(" ")[0] ?? ""));
      return sendJson(res, 200, items);
    }
    if (url.pathname === `/api/${v}/calendar` && opts.app !== "Prowlarr") return sendJson(res, 200, calendar(opts, url.searchParams));
    if (opts.app === "Prowlarr") {
      const answer = prowlarr(opts, req.method, url.pathname);
      if (answer) return sendJson(res, answer[0], answer[1]);
    }
    return sendJson(res, 404, { message: "NotFound" });
  });
  return Object.assign(server, { lookups });
}

function calendar(opts: ArrOptions, q: URLSearchParams): Record<string, unknown>[] {
  const spec = CALENDAR[opts.app];
  // Without start/end the *arrs take today … today+2 days; the emulator wants them (the adapter always sends them).
  const start = new Date(q.get("start") ?? NaN).getTime();
  const end = new Date(q.get("end") ?? NaN).getTime();
  // `unmonitored` defaults to false: unmonitored items are left out unless asked for (CalendarController, same tags).
  const unmonitored = q.get("unmonitored") === "true";
  return (opts.calendar ?? [])
    .filter((item) => unmonitored || item.monitored !== false)
    .filter((item) =>
      spec.dates.some((f) => {
        const t = typeof item[f] === "string" ? new Date(item[f] as string).getTime() : NaN;
        return t >= start && t <= end;
      }),
    )
    .map((item) => {
      if (!spec.embed || q.get(spec.embed[0]) === "true") return item;
      const { [spec.embed[1]]: _dropped, ...rest } = item;
      return rest;
    });
}

function prowlarr(opts: ArrOptions, method: string, path: string): [number, unknown] | undefined {
  const list = opts.indexers ?? [];
  // src/Prowlarr.Api.V1/Indexers/IndexerController.cs (provider list), IndexerStatusController.cs, Health/HealthController.cs.
  if (method === "GET" && path === "/api/v1/indexer") return [200, list.map(({ testFails: _t, ...ix }) => ix)];
  if (method === "GET" && path === "/api/v1/indexerstatus") return [200, opts.indexerStatus ?? []];
  if (method === "GET" && path === "/api/v1/health") return [200, opts.health ?? []];
  if (method === "POST" && path === "/api/v1/indexer/testall") {
    // src/Prowlarr.Api.V1/ProviderControllerBase.cs TestAll (v1.0.0.2171, v2.3.5.5327): enabled indexers only;
    // 400 with the same list when any failed. A failed test records the failure in the indexer's status
    // (src/NzbDrone.Core/ThingiProvider/Status/ProviderStatusServiceBase.cs RecordFailure), which is what makes
    // it visible in /api/v1/indexerstatus afterwards.
    const results = list
      .filter((ix) => ix.enable)
      .map((ix) => ({
        id: ix.id,
        isValid: !ix.testFails,
        validationFailures: ix.testFails ? [{ propertyName: "", errorMessage: ix.testFails, severity: "error" }] : [],
      }));
    const now = new Date();
    const status = (opts.indexerStatus ??= []);
    for (const r of results.filter((x) => !x.isValid)) {
      const existing = status.find((s) => s.indexerId === r.id);
      const entry = { indexerId: r.id, disabledTill: new Date(now.getTime() + 5 * 60_000).toISOString(), mostRecentFailure: now.toISOString(), initialFailure: now.toISOString() };
      if (existing) Object.assign(existing, entry);
      else status.push({ id: status.length + 1, ...entry });
    }
    return [results.some((x) => !x.isValid) ? 400 : 200, results];
  }
  return undefined;
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
