import { z } from "zod";
import type { CalendarEvent } from "../../engine/capabilities.js";
import { Images, imageOf } from "../arr-family/adapter.js";
import { arrCalendar, isoDate } from "../arr-family/calendar.js";

/**
 * Radarr's calendar: movies with a release date in the range, one event per date
 * (Radarr/Radarr src/Radarr.Api.V3/Calendar/CalendarController.cs, v4.7.5.7809, v5.28.0.10274, v6.0.3.10276:
 * `/api/v3/calendar?start&end&unmonitored`). A movie resource carries three release dates, `inCinemas`,
 * `physicalRelease`, `digitalRelease` (src/Radarr.Api.V3/Movies/MovieResource.cs, same tags); v5 added
 * `releaseDate`, which is the earliest of those and so not an event of its own. Dates are days (midnight UTC):
 * all-day events.
 */
const Movie = z.object({
  id: z.number(),
  title: z.string(),
  year: z.number().nullish(),
  tmdbId: z.number().nullish(),
  inCinemas: isoDate,
  physicalRelease: isoDate,
  digitalRelease: isoDate,
  images: Images,
});

const RELEASES = [
  ["inCinemas", "In cinemas"],
  ["physicalRelease", "Physical release"],
  ["digitalRelease", "Digital release"],
] as const;

export const calendar = arrCalendar({
  name: "Radarr",
  path: "/api/v3/calendar",
  query: { unmonitored: "false" },
  item: Movie,
  events(movie, { base, forbidden }): CalendarEvent[] {
    const image = imageOf(movie.images, "poster", forbidden);
    const link = movie.tmdbId ? `${base}/movie/${movie.tmdbId}` : undefined;
    return RELEASES.flatMap(([field, label]) => {
      const date = movie[field];
      if (!date) return [];
      return [{ id: `movie-${movie.id}-${field}`, title: movie.title, subtitle: label, start: date, end: null, allDay: true, type: "movie", link, image }];
    });
  },
});
