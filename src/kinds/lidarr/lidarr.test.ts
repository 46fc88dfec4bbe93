import { expect, it } from "vitest";
import { startPatchbay } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { describeArrKind } from "../arr-family/suite.js";

// The shape of Lidarr's /api/v1/search answer: artists and albums mixed, `id` on the inner object when in the library.
// The image is in `remotePoster`/`remoteCover` (Lidarr/Lidarr src/Lidarr.Api.V1/Search/SearchController.cs,
// v2.14.5.4836); `images` are the metadata covers, whose `remoteUrl` is not filled there.
const mixed = [
  {
    foreignId: "0a1b2c3d-artist",
    artist: {
      artistName: "Schindler's List (1993) & \"quotes\" Ensemble",
      foreignArtistId: "0a1b2c3d-artist",
      overview: "A string ensemble.",
      images: [
        { coverType: "banner", url: "/MediaCover/3/banner.jpg", remoteUrl: null },
        { coverType: "poster", url: "/MediaCover/3/poster.jpg", remoteUrl: null },
      ],
      remotePoster: "https://assets.fanart.example/poster.jpg",
      id: 3,
    },
    id: 1,
  },
  {
    foreignId: "9f8e7d6c-album",
    album: {
      title: "Schindler's List (Original Motion Picture Soundtrack)",
      foreignAlbumId: "9f8e7d6c-album",
      releaseDate: "1993-12-14T00:00:00Z",
      artist: { artistName: "John Williams", foreignArtistId: "53b106e7-artist" },
      images: [{ coverType: "cover", url: "/MediaCover/Albums/9/cover.jpg", remoteUrl: null }],
      remoteCover: "https://coverart.example/front.jpg",
    },
    id: 2,
  },
  { foreignId: "x", artist: { artistName: "Unrelated Band", foreignArtistId: "x", images: [] }, id: 3 },
];

describeArrKind({
  kind: "lidarr",
  app: "Lidarr",
  categories: ["mediaCollection", "calendar", "search"],
  defaultPort: 8686,
  version: "2.5.3.4341",
  otherApp: "Readarr",
  oldVersion: "0.8.1.2135",
  lookup: mixed,
  checkSearch(results, base) {
    expect(results).toEqual([
      {
        id: "0a1b2c3d-artist",
        name: "Schindler's List (1993) & \"quotes\" Ensemble",
        link: `${base}/artist/0a1b2c3d-artist`,
        image: "https://assets.fanart.example/poster.jpg",
        text: "A string ensemble.",
        type: "artist (in library)",
      },
      {
        id: "9f8e7d6c-album",
        name: "Schindler's List (Original Motion Picture Soundtrack) (1993)",
        link: `${base}/add/search?term=Schindler%27s%20List%20%28Original%20Motion%20Picture%20Soundtrack%29`,
        image: "https://coverart.example/front.jpg",
        text: "John Williams",
        type: "album",
      },
    ]);
  },
});

// An *arr of another API generation is named, not mistaken for an old version.
it("Sonarr (API v3) given to the lidarr kind is UNEXPECTED_RESPONSE naming Sonarr", async () => {
  const [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: "cross-gen-key" })]);
  try {
    const res = await s.admin.integration.testConnection.mutate({ kind: "lidarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "cross-gen-key" }] });
    expect(!res.ok && res.error.code).toBe("UNEXPECTED_RESPONSE");
    expect(!res.ok && res.error.message).toMatch(/This is Sonarr, not Lidarr/);
  } finally {
    await Promise.all([s.close(), sonarr.close()]);
  }
});
