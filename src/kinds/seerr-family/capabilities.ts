import { z } from "zod";
import type { MediaRequest, MediaRequestList, RequestFilter } from "../../engine/capabilities.js";
import { call, parse } from "../../engine/kit.js";
import { baseOf } from "../../engine/probe.js";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { rejected, safeImageUrl, seerrGet, tmdbImage, yearOf } from "./api.js";

/**
 * `mediaRequests` for Overseerr 1.x, Jellyseerr 2.x and Seerr 3.x (server/routes/request.ts of
 * sct/overseerr v1.34.0 and seerr-team/seerr v2.x/v3.1.0, see emulator.ts for the facts per release):
 * - the list (`GET /api/v1/request`) carries no titles: each distinct movie/show is read once from
 *   `/api/v1/movie/:tmdbId` / `/api/v1/tv/:tmdbId` (the web UI does the same);
 * - `filter=available` changed meaning in Jellyseerr v2.6.0 (status *completed*); both are "available" here;
 * - there is no `declined` filter upstream: declined requests are read from `filter=all` pages;
 * - counts come from `/api/v1/request/count`; from v2.6.0 completed requests are counted apart, and are
 *   added to `available` (a completed request is one whose media became available).
 */

const Int = z.number().int();
const RequestItem = z.object({
  id: Int,
  status: Int,
  type: z.enum(["movie", "tv"]),
  is4k: z.boolean().nullish(),
  createdAt: z.string().refine((v) => !Number.isNaN(Date.parse(v)), "not a date"),
  media: z.object({ tmdbId: Int, status: Int, status4k: Int.nullish() }),
  requestedBy: z.object({
    displayName: z.string().nullish(),
    username: z.string().nullish(),
    plexUsername: z.string().nullish(),
    email: z.string().nullish(),
    avatar: z.string().nullish(),
  }),
});
type RequestItem = z.infer<typeof RequestItem>;
const RequestPage = z.object({ pageInfo: z.object({ pages: Int, results: Int }), results: z.array(RequestItem) });
const Counts = z.object({ total: Int, pending: Int, approved: Int, declined: Int, available: Int, completed: Int.optional() });
const MovieDetails = z.object({ title: z.string(), releaseDate: z.string().nullish(), posterPath: z.string().nullish() });
const TvDetails = z.object({ name: z.string(), firstAirDate: z.string().nullish(), posterPath: z.string().nullish() });
const Updated = z.object({ id: Int, status: Int });

/** MediaRequestStatus (server/constants/media.ts): 5 = completed exists from Jellyseerr v2.6.0. */
const STATUS: Record<number, MediaRequest["status"]> = { 1: "pending", 2: "approved", 3: "declined", 4: "failed", 5: "completed" };
/** MediaStatus: 6 blacklisted/blocklisted and 7 deleted say nothing about availability. */
const AVAILABILITY: Record<number, MediaRequest["availability"]> = { 1: "unknown", 2: "pending", 3: "processing", 4: "partial", 5: "available" };

/** The upstream `filter` for ours; `declined` has none (read from `all`). */
const UPSTREAM_FILTER: Record<RequestFilter, string> = { all: "all", pending: "pending", approved: "approved", available: "available", declined: "all" };

const PAGE = 100;
const DETAIL_CONCURRENCY = 8;
/** How many pages of `filter=all` are read looking for declined requests. */
const DECLINED_PAGES = 5;

async function readRequests(ctx: TestContext, filter: RequestFilter, limit: number): Promise<RequestItem[]> {
  if (filter !== "declined") {
    const page = await seerrGet(ctx, { path: "/api/v1/request", query: { take: limit, skip: 0, filter: UPSTREAM_FILTER[filter], sort: "added" } }, RequestPage);
    return page.results.slice(0, limit);
  }
  const out: RequestItem[] = [];
  for (let i = 0; i < DECLINED_PAGES && out.length < limit; i++) {
    const page = await seerrGet(ctx, { path: "/api/v1/request", query: { take: PAGE, skip: i * PAGE, filter: "all", sort: "added" } }, RequestPage);
    out.push(...page.results.filter((r) => r.status === 3));
    if (i + 1 >= page.pageInfo.pages) break;
  }
  return out.slice(0, limit);
}

type Details = { title: string; year?: number; posterPath?: string | null };

async function readDetails(ctx: TestContext, type: "movie" | "tv", tmdbId: number): Promise<Details> {
  if (type === "movie") {
    const m = await seerrGet(ctx, { path: `/api/v1/movie/${tmdbId}` }, MovieDetails);
    return { title: m.title, year: yearOf(m.releaseDate), posterPath: m.posterPath };
  }
  const t = await seerrGet(ctx, { path: `/api/v1/tv/${tmdbId}` }, TvDetails);
  return { title: t.name, year: yearOf(t.firstAirDate), posterPath: t.posterPath };
}

function requesterName(u: RequestItem["requestedBy"]): string {
  return u.displayName || u.username || u.plexUsername || u.email || "unknown";
}

export const seerrMediaRequests: Capability<"mediaRequests"> = {
  async list(ctx, { filter, limit }): Promise<MediaRequestList> {
    const [items, counts] = await Promise.all([readRequests(ctx, filter, limit), seerrGet(ctx, { path: "/api/v1/request/count" }, Counts)]);
    const keys = [...new Set(items.map((r) => `${r.type}:${r.media.tmdbId}`))];
    const details = new Map<string, Details>();
    // A few at a time: each detail call makes the service ask TMDB, and a page can hold 100 titles.
    for (let i = 0; i < keys.length; i += DETAIL_CONCURRENCY) {
      const batch = keys.slice(i, i + DETAIL_CONCURRENCY);
      const read = await Promise.all(batch.map((k) => readDetails(ctx, k.startsWith("movie") ? "movie" : "tv", Number(k.split(":")[1]))));
      batch.forEach((k, j) => details.set(k, read[j]!));
    }
    const base = baseOf(ctx.url);
    const requests = items.map((r): MediaRequest => {
      const d = details.get(`${r.type}:${r.media.tmdbId}`)!;
      const mediaStatus = r.is4k ? (r.media.status4k ?? 1) : r.media.status;
      const avatarUrl = safeImageUrl(base, r.requestedBy.avatar);
      return {
        id: r.id,
        mediaType: r.type,
        tmdbId: r.media.tmdbId,
        title: d.title,
        ...(d.year ? { year: d.year } : {}),
        ...(d.posterPath ? { posterUrl: tmdbImage(d.posterPath) } : {}),
        status: STATUS[r.status] ?? "pending",
        availability: AVAILABILITY[mediaStatus] ?? "unknown",
        requestedBy: { name: requesterName(r.requestedBy), ...(avatarUrl ? { avatarUrl } : {}) },
        createdAt: new Date(r.createdAt),
        link: `${base}/${r.type}/${r.media.tmdbId}`,
      };
    });
    return {
      requests,
      counts: {
        pending: counts.pending,
        approved: counts.approved,
        declined: counts.declined,
        available: counts.available + (counts.completed ?? 0),
        total: counts.total,
      },
    };
  },
  approve: (ctx, { requestId }) => setStatus(ctx, requestId, "approve"),
  decline: (ctx, { requestId }) => setStatus(ctx, requestId, "decline"),
};

/** `POST /api/v1/request/:id/approve|decline`; resolves only when the saved request has the new status. */
async function setStatus(ctx: TestContext, requestId: number, action: "approve" | "decline"): Promise<void> {
  const name = ctx.kind.name;
  const res = await call(
    ctx,
    { method: "POST", path: `/api/v1/request/${requestId}/${action}`, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } },
    { expect: [200, 404], credentialsMessage: rejected(ctx) },
  );
  if (res.status === 404) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `${name} has no request ${requestId}: it may have been deleted. Reload the request list.`, { statusCode: 404 });
  }
  const saved = parse(ctx, res, Updated);
  const wanted = action === "approve" ? 2 : 3;
  if (saved.id !== requestId || saved.status !== wanted) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `${name} did not ${action} request ${requestId}: it answered status ${STATUS[saved.status] ?? saved.status}. Check the request in ${name}.`);
  }
}
