import { afterAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../arr-family/emulator.js";
import { calendarOf, expectArrFailures, runCapability } from "../testing/arr-family.js";
import radarr from "./index.js";

const KEY = "radarr-cal-key-0123456789abcdef";
const range = { start: new Date("2026-05-01T00:00:00Z"), end: new Date("2026-06-01T00:00:00Z") };
const cal = calendarOf(radarr);
const started: ArrEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

// Radarr movie resources (Radarr/Radarr src/Radarr.Api.V3/Movies/MovieResource.cs, v4.7.5.7809; v5/v6 add
// `releaseDate`, the earliest of the three, which is no event of its own).
const movies = (v5: boolean) => [
  {
    id: 1, title: "Dune: Part Three", year: 2026, tmdbId: 1170608, titleSlug: "dune-part-three-1170608", monitored: true,
    inCinemas: "2026-05-18T00:00:00Z", digitalRelease: "2026-05-30T00:00:00Z", physicalRelease: "2026-07-01T00:00:00Z",
    ...(v5 ? { releaseDate: "2026-05-18T00:00:00Z" } : {}),
    images: [{ coverType: "poster", url: "/MediaCover/1/poster.jpg", remoteUrl: "https://image.tmdb.example/dune3.jpg" }],
  },
  { id: 2, title: "Quiet Film", year: 2025, tmdbId: 42, monitored: true, inCinemas: "2025-11-01T00:00:00Z", physicalRelease: "2026-05-02T00:00:00Z", images: [] },
  { id: 3, title: "Unwatched", tmdbId: 43, monitored: false, digitalRelease: "2026-05-03T00:00:00Z", images: [] },
];

describe("radarr calendar", () => {
  for (const version of ["4.7.5.7809", "5.28.0.10274", "6.0.3.10276"]) {
    it(`Radarr ${version}: one all-day event per release date in range, sorted, unmonitored left out`, async () => {
      const e = await startArr({ app: "Radarr", apiKey: KEY, version, calendar: movies(!version.startsWith("4.")) });
      started.push(e);
      const r = await runCapability(radarr, e.url, { apiKey: KEY }, (ctx) => cal.events(ctx, range));
      if (!r.ok) throw new Error(r.error.message);
      const poster = "https://image.tmdb.example/dune3.jpg";
      expect(r.value.events).toEqual([
        { id: "movie-2-physicalRelease", title: "Quiet Film", subtitle: "Physical release", start: new Date("2026-05-02T00:00:00Z"), end: null, allDay: true, type: "movie", link: `${e.url}/movie/42` },
        { id: "movie-1-inCinemas", title: "Dune: Part Three", subtitle: "In cinemas", start: new Date("2026-05-18T00:00:00Z"), end: null, allDay: true, type: "movie", link: `${e.url}/movie/1170608`, image: poster },
        { id: "movie-1-digitalRelease", title: "Dune: Part Three", subtitle: "Digital release", start: new Date("2026-05-30T00:00:00Z"), end: null, allDay: true, type: "movie", link: `${e.url}/movie/1170608`, image: poster },
      ]);
    });
  }

  it("a wrong key, a 5xx, a malformed answer and a closed port give their codes", () =>
    expectArrFailures(radarr, (o) => startArr({ app: "Radarr", apiKey: KEY, calendar: movies(true), ...o }), KEY, (ctx) => cal.events(ctx, range)));
});
