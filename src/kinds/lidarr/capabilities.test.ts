import { afterAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../arr-family/emulator.js";
import { calendarOf, expectArrFailures, runCapability } from "../testing/arr-family.js";
import lidarr from "./index.js";

const KEY = "lidarr-cal-key-0123456789abcdef";
const range = { start: new Date("2026-01-10T00:00:00Z"), end: new Date("2026-01-20T00:00:00Z") };
const cal = calendarOf(lidarr);
const started: ArrEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

// AlbumResource (Lidarr/Lidarr src/Lidarr.Api.V1/Albums/AlbumResource.cs, v1.0.2.2592 / v2.14.5.4836).
const albums = [
  {
    id: 7, title: "Hurry Up Tomorrow", foreignAlbumId: "mbid-7", releaseDate: "2026-01-15T00:00:00Z", albumType: "Album", monitored: true,
    artist: { artistName: "The Weeknd" },
    images: [{ coverType: "cover", url: "/MediaCover/Albums/7/cover.jpg", remoteUrl: "https://coverartarchive.example/7.jpg" }],
  },
  { id: 8, title: "Keyed Single", foreignAlbumId: "mbid-8", releaseDate: "2026-01-12T00:00:00Z", monitored: true, artist: { artistName: "X" }, images: [], remoteCover: `https://covers.example/8.jpg?apikey=${KEY}` },
  { id: 9, title: "Outside", releaseDate: "2026-02-12T00:00:00Z", monitored: true, images: [] },
];

describe("lidarr calendar", () => {
  for (const version of ["1.0.2.2592", "2.14.5.4836"]) {
    it(`Lidarr ${version}: albums as all-day events with the artist, cover from remoteUrl, a keyed cover dropped`, async () => {
      const e = await startArr({ app: "Lidarr", apiKey: KEY, version, calendar: albums });
      started.push(e);
      const r = await runCapability(lidarr, e.url, { apiKey: KEY }, (ctx) => cal.events(ctx, range));
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.events).toEqual([
        { id: "album-8", title: "Keyed Single", subtitle: "X", start: new Date("2026-01-12T00:00:00Z"), end: null, allDay: true, type: "album", link: `${e.url}/album/mbid-8` },
        {
          id: "album-7", title: "Hurry Up Tomorrow", subtitle: "The Weeknd", start: new Date("2026-01-15T00:00:00Z"), end: null, allDay: true, type: "album",
          link: `${e.url}/album/mbid-7`, image: "https://coverartarchive.example/7.jpg",
        },
      ]);
      expect(new URL(e.requests.at(-1)!.url, "http://x").searchParams.get("includeArtist")).toBe("true");
    });
  }

  it("a wrong key, a 5xx, a malformed answer and a closed port give their codes", () =>
    expectArrFailures(lidarr, (o) => startArr({ app: "Lidarr", apiKey: KEY, calendar: albums, ...o }), KEY, (ctx) => cal.events(ctx, range)));
});
