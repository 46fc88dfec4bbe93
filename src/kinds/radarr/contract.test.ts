import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { arrRelease, type ArrStarted } from "../testing/arr-family.js";
import { expectStrictlyEncoded } from "../testing/kind-helpers.js";

const lookup = [{ title: "Schindler's List", year: 1993, tmdbId: 424, titleSlug: "424", images: [{ coverType: "poster", remoteUrl: "https://image.tmdb.example/s.jpg" }] }];

// Radarr 3.x (oldest supported) to 6.x (newest stable); v4/v5 in between (v5 added `releaseDate` to the
// movie resource, which the calendar does not use as an event of its own — see capabilities.ts).
kindContract({
  kind: "radarr",
  releases: ["3.2.2.5080", "4.7.5.7809", "5.28.0.10274", "6.0.3.10276"].map((v) => arrRelease("Radarr", v, { lookup })),
  tooOld: arrRelease("Radarr", "0.2.0.1504", { legacy: true }, "Radarr v0.2 (API v2 only, emulated)"),
  checkSearch(results, release) {
    expect(results).toEqual([expect.objectContaining({ id: "424", name: "Schindler's List (1993)", image: "https://image.tmdb.example/s.jpg" })]);
    expectStrictlyEncoded((release as ArrStarted).emu.lookups.at(-1));
  },
});
