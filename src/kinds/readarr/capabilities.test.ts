import { afterAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../arr-family/emulator.js";
import { calendarOf, expectArrFailures, runCapability } from "../testing/arr-family.js";
import readarr from "./index.js";

const KEY = "readarr-cal-key-0123456789abcdef";
const range = { start: new Date("2026-09-01T00:00:00Z"), end: new Date("2026-09-30T00:00:00Z") };
const cal = calendarOf(readarr);
const started: ArrEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

// BookResource (Readarr/Readarr src/Readarr.Api.V1/Books/BookResource.cs, v0.3.21.2475).
const books = [
  {
    id: 5, title: "The Winds of Winter", titleSlug: "winds-of-winter", releaseDate: "2026-09-10T00:00:00Z", authorTitle: "martin, george r.r. The Winds of Winter", monitored: true,
    author: { authorName: "George R. R. Martin" },
    images: [{ coverType: "cover", url: "/MediaCover/Books/5/cover.jpg", remoteUrl: null }],
    remoteCover: "https://images.gr-assets.example/winds.jpg",
  },
];

describe("readarr calendar (0.x, retired upstream)", () => {
  it("books as all-day events with the author, cover from remoteCover when the images have no public URL", async () => {
    const e = await startArr({ app: "Readarr", apiKey: KEY, version: "0.3.21.2475", calendar: books });
    started.push(e);
    const r = await runCapability(readarr, e.url, { apiKey: KEY }, (ctx) => cal.events(ctx, range));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.events).toEqual([
      {
        id: "book-5", title: "The Winds of Winter", subtitle: "George R. R. Martin", start: new Date("2026-09-10T00:00:00Z"), end: null, allDay: true, type: "book",
        link: `${e.url}/book/winds-of-winter`, image: "https://images.gr-assets.example/winds.jpg",
      },
    ]);
    expect(new URL(e.requests.at(-1)!.url, "http://x").searchParams.get("includeAuthor")).toBe("true");
  });

  it("a wrong key, a 5xx, a malformed answer and a closed port give their codes", () =>
    expectArrFailures(readarr, (o) => startArr({ app: "Readarr", apiKey: KEY, calendar: books, ...o }), KEY, (ctx) => cal.events(ctx, range)));
});
