import { z } from "zod";
import { Images, imageOf } from "../arr-family/adapter.js";
import { arrCalendar, isoDate } from "../arr-family/calendar.js";

/**
 * Sonarr's calendar: episodes airing in the range. The endpoint is the same in v3 and v4
 * (Sonarr/Sonarr src/Sonarr.Api.V3/Calendar/CalendarModule.cs at v3.0.9.1549, CalendarController.cs at
 * v4.0.19.2979: `/api/v3/calendar?start&end&unmonitored&includeSeries`); the episode resource differs:
 * - v3 has `seriesTitle` and no episode `runtime` (src/Sonarr.Api.V3/Episodes/EpisodeResource.cs, v3.0.9.1549);
 * - v4 dropped `seriesTitle` and added `runtime` (minutes) and `finaleType` (same file, v4.0.19.2979).
 * So the series comes from `includeSeries=true` (`series.title`, `series.runtime`, `series.images`), with
 * `seriesTitle` as the v3 fallback. Unmonitored episodes are left out, as in Sonarr's own calendar default.
 */
const Episode = z.object({
  id: z.number(),
  seriesId: z.number().optional(),
  seasonNumber: z.number(),
  episodeNumber: z.number(),
  title: z.string().nullish(),
  airDateUtc: isoDate,
  runtime: z.number().nullish(),
  seriesTitle: z.string().nullish(),
  series: z
    .object({ title: z.string().nullish(), titleSlug: z.string().nullish(), runtime: z.number().nullish(), images: Images })
    .nullish(),
});

const pad = (n: number) => String(n).padStart(2, "0");

export const calendar = arrCalendar({
  name: "Sonarr",
  path: "/api/v3/calendar",
  query: { unmonitored: "false", includeSeries: "true" },
  item: Episode,
  events(ep, { base, forbidden }) {
    if (!ep.airDateUtc) return []; // not aired / no date yet: nothing to place on a calendar
    const seriesTitle = ep.series?.title ?? ep.seriesTitle ?? "Unknown series";
    const minutes = ep.runtime || ep.series?.runtime || 0;
    const code = `S${pad(ep.seasonNumber)}E${pad(ep.episodeNumber)}`;
    return [
      {
        id: `episode-${ep.id}`,
        title: seriesTitle,
        subtitle: ep.title ? `${code} · ${ep.title}` : code,
        start: ep.airDateUtc,
        end: minutes > 0 ? new Date(ep.airDateUtc.getTime() + minutes * 60_000) : null,
        allDay: false,
        type: "episode",
        link: ep.series?.titleSlug ? `${base}/series/${ep.series.titleSlug}` : undefined,
        image: imageOf(ep.series?.images, "poster", forbidden),
      },
    ];
  },
});
