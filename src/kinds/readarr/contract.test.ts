import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { arrRelease, type ArrStarted } from "../testing/arr-family.js";
import { expectStrictlyEncoded } from "../testing/kind-helpers.js";

// Search items as Readarr builds them: images in `remotePoster`/`remoteCover` (src/Readarr.Api.V1/Search/SearchController.cs).
const lookup = [
  { foreignId: "b1", book: { title: "Schindler's Ark", titleSlug: "schindlers-ark", foreignBookId: "b1", releaseDate: "1982-10-18T00:00:00Z", images: [], remoteCover: "https://covers.example/b1.jpg" }, id: 1 },
];

// Readarr was retired upstream (2025) and never left 0.x: the oldest (0.1) and the last tagged release here.
kindContract({
  kind: "readarr",
  releases: [arrRelease("Readarr", "0.1.0.1248", { lookup }), arrRelease("Readarr", "0.3.21.2475", { lookup })],
  tooOld: arrRelease("Readarr", "0.0.9.100"),
  checkSearch(results, release) {
    expect(results).toEqual([expect.objectContaining({ id: "b1", name: "Schindler's Ark (1982)", image: "https://covers.example/b1.jpg" })]);
    expectStrictlyEncoded((release as ArrStarted).emu.lookups.at(-1));
  },
});
