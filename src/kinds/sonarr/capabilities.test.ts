import { afterAll, describe, expect, it } from "vitest";
import { CalendarEvents } from "../../engine/capabilities.js";
import { startArr, type ArrEmulator } from "../arr-family/emulator.js";
import { calendarOf, expectArrFailures, runCapability } from "../testing/arr-family.js";
import sonarr from "./index.js";

const KEY = "sonarr-cal-key-0123456789abcdef";
const range = { start: new Date("2026-03-01T00:00:00Z"), end: new Date("2026-03-08T00:00:00Z") };
const cal = calendarOf(sonarr);
const started: ArrEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

async function emu(opts: Partial<Parameters<typeof startArr>[0]>) {
  const e = await startArr({ app: "Sonarr", apiKey: KEY, ...opts });
  started.push(e);
  return e;
}

// Sonarr v3 episode resource (Sonarr/Sonarr src/Sonarr.Api.V3/Episodes/EpisodeResource.cs, v3.0.9.1549):
// `seriesTitle`, no `runtime`; stored covers keep the public address in `url` (SkyHookProxy.cs, v3.0.9.1549).
const v3Episodes = [
  {
    id: 11, seriesId: 1, seasonNumber: 2, episodeNumber: 3, title: "The Third", airDate: "2026-03-02", airDateUtc: "2026-03-02T01:00:00Z",
    seriesTitle: "Severance", monitored: true, hasFile: false,
    series: { title: "Severance", titleSlug: "severance", runtime: 55, images: [{ coverType: "poster", url: "https://artworks.thetvdb.example/severance.jpg" }] },
  },
  { id: 12, seriesId: 1, seasonNumber: 2, episodeNumber: 4, title: "Unmonitored", airDateUtc: "2026-03-03T01:00:00Z", seriesTitle: "Severance", monitored: false, series: { title: "Severance" } },
  { id: 13, seriesId: 1, seasonNumber: 2, episodeNumber: 9, title: "Later", airDateUtc: "2026-04-01T01:00:00Z", seriesTitle: "Severance", monitored: true, series: { title: "Severance" } },
];
// Sonarr v4 (same file, v4.0.19.2979): no `seriesTitle`, `runtime` per episode, covers in `remoteUrl`
// (SkyHookProxy.cs, v4.0.19.2979). One cover is a local URL with the key in it: it must be dropped.
const v4Episodes = [
  {
    id: 21, seriesId: 2, seasonNumber: 1, episodeNumber: 1, title: "Pilot", airDateUtc: "2026-03-05T20:00:00Z", runtime: 42, finaleType: null, monitored: true,
    series: { title: "Andor", titleSlug: "andor", runtime: 40, images: [{ coverType: "poster", url: "/MediaCover/2/poster.jpg", remoteUrl: "https://artworks.thetvdb.example/andor.jpg" }] },
  },
  {
    id: 22, seriesId: 3, seasonNumber: 4, episodeNumber: 10, title: null, airDateUtc: "2026-03-04T02:00:00Z", runtime: 0, monitored: true,
    series: { title: "Keyed", titleSlug: "keyed", runtime: 0, images: [{ coverType: "poster", remoteUrl: `http://127.0.0.1:8989/MediaCover/3/poster.jpg?apikey=${KEY}` }] },
  },
];

describe("sonarr calendar", () => {
  it("v3: episodes in range, series title and runtime from the series, unmonitored left out, dates as Date", async () => {
    const e = await emu({ version: "3.0.9.1549", calendar: v3Episodes });
    const r = await runCapability(sonarr, e.url, { apiKey: KEY }, (ctx) => cal.events(ctx, range));
    expect(r).toEqual({
      ok: true,
      value: {
        events: [
          {
            id: "episode-11", title: "Severance", subtitle: "S02E03 · The Third", start: new Date("2026-03-02T01:00:00Z"), end: new Date("2026-03-02T01:55:00Z"),
            allDay: false, type: "episode", link: `${e.url}/series/severance`, image: "https://artworks.thetvdb.example/severance.jpg",
          },
        ],
      },
    });
    expect(CalendarEvents.parse(r.ok && r.value)).toBeTruthy();
    // What was asked: the range in ISO form, the series embedded, unmonitored off; the key only in the header.
    const req = e.requests.find((x) => x.url.startsWith("/api/v3/calendar"))!;
    const q = new URL(req.url, "http://x").searchParams;
    expect([q.get("start"), q.get("end"), q.get("includeSeries"), q.get("unmonitored")]).toEqual([range.start.toISOString(), range.end.toISOString(), "true", "false"]);
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.url).not.toContain(KEY);
  });

  it("v4: episode runtime, no seriesTitle, sorted by start, an image carrying the key is dropped", async () => {
    const e = await emu({ version: "4.0.19.2979", calendar: v4Episodes });
    const r = await runCapability(sonarr, e.url, { apiKey: KEY }, (ctx) => cal.events(ctx, range));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.events.map((x) => [x.id, x.title, x.subtitle, x.end?.toISOString() ?? null, x.image ?? null])).toEqual([
      ["episode-22", "Keyed", "S04E10", null, null],
      ["episode-21", "Andor", "S01E01 · Pilot", "2026-03-05T20:42:00.000Z", "https://artworks.thetvdb.example/andor.jpg"],
    ]);
    expect(JSON.stringify(r.value)).not.toContain(KEY);
  });

  it("a wrong key, a 5xx, a malformed answer and a closed port give their codes", () =>
    expectArrFailures(sonarr, (o) => startArr({ app: "Sonarr", apiKey: KEY, calendar: v4Episodes, ...o }), KEY, (ctx) => cal.events(ctx, range)));
});
