import { expect } from "vitest";
import { sampleSeries } from "../arr-family/emulator.js";
import { kindContract } from "../testing/contract.js";
import { arrRelease, type ArrStarted } from "../testing/arr-family.js";
import { expectStrictlyEncoded } from "../testing/kind-helpers.js";

// Sonarr v3 (oldest supported) and v4 (newest stable): the /api/v3 surface Patchbay uses (system/status,
// series/lookup, calendar) is the same; the episode resource differs (see capabilities.ts). v2 has no /api/v3.
kindContract({
  kind: "sonarr",
  releases: [arrRelease("Sonarr", "3.0.9.1549", { lookup: sampleSeries }), arrRelease("Sonarr", "4.0.19.2979", { lookup: sampleSeries })],
  tooOld: arrRelease("Sonarr", "2.0.0.5344", { legacy: true }, "Sonarr v2 (API v2 only, emulated)"),
  checkSearch(results, release) {
    expect(results.map((r) => r.name)).toEqual([`Schindler's List (1993) & "quotes" (1993)`]);
    expect(results[0]!.image).toBe("https://artworks.example/poster.jpg");
    expectStrictlyEncoded((release as ArrStarted).emu.lookups.at(-1));
  },
});
