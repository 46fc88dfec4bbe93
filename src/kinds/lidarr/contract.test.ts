import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { arrRelease, type ArrStarted } from "../testing/arr-family.js";
import { expectStrictlyEncoded } from "../testing/kind-helpers.js";

// Search items as Lidarr builds them: images in `remotePoster`/`remoteCover` (src/Lidarr.Api.V1/Search/SearchController.cs).
const lookup = [
  { foreignId: "a1", artist: { artistName: "Schindler's List Orchestra", foreignArtistId: "a1", images: [{ coverType: "poster", url: "https://fanart.example/a1.jpg" }], remotePoster: "https://fanart.example/a1.jpg" }, id: 1 },
];

// Lidarr 1.x (oldest supported) and 2.x (newest stable); 0.8 (API v1 already) is below the floor.
kindContract({
  kind: "lidarr",
  releases: [arrRelease("Lidarr", "1.0.2.2592", { lookup }), arrRelease("Lidarr", "2.14.5.4836", { lookup })],
  tooOld: arrRelease("Lidarr", "0.8.1.2135"),
  checkSearch(results, release) {
    expect(results).toEqual([expect.objectContaining({ id: "a1", name: "Schindler's List Orchestra", image: "https://fanart.example/a1.jpg" })]);
    expectStrictlyEncoded((release as ArrStarted).emu.lookups.at(-1));
  },
});
