import { expect } from "vitest";
import { describeArrKind } from "../arr-family/suite.js";

// The shape of Readarr's /api/v1/search answer: authors and books mixed, `id` on the inner object when in the library.
// The image is in `remotePoster`/`remoteCover` (Readarr/Readarr src/Readarr.Api.V1/Search/SearchController.cs, v0.3.21.2475).
const mixed = [
  {
    foreignId: "4367",
    author: {
      authorName: "Thomas Keneally",
      foreignAuthorId: "4367",
      titleSlug: "4367",
      overview: "Australian novelist, author of Schindler's Ark (Schindler's List).",
      images: [{ coverType: "poster", url: "/MediaCover/Authors/4367/poster.jpg" }],
      remotePoster: "https://images.example/keneally.jpg",
    },
    id: 1,
  },
  {
    foreignId: "3D7cc",
    book: {
      title: "Schindler's List",
      titleSlug: "schindlers-list",
      foreignBookId: "3D7cc",
      releaseDate: "1982-10-18T00:00:00Z",
      author: { authorName: "Thomas Keneally" },
      images: [{ coverType: "cover", url: "/MediaCover/Books/5/cover.jpg" }],
      remoteCover: "https://images.example/schindler-cover.jpg",
      id: 5,
    },
    id: 2,
  },
  { foreignId: "y", book: { title: "Unrelated Book", titleSlug: "unrelated", foreignBookId: "y", images: [] }, id: 3 },
];

describeArrKind({
  kind: "readarr",
  app: "Readarr",
  categories: ["mediaCollection", "calendar", "search"],
  defaultPort: 8787,
  version: "0.4.10.2734",
  otherApp: "Lidarr",
  // Readarr never left 0.x; Patchbay takes 0.1 and newer, so only a pre-release build is "too old".
  oldVersion: "0.0.9.100",
  lookup: mixed,
  checkSearch(results, base) {
    expect(results).toEqual([
      {
        id: "4367",
        name: "Thomas Keneally",
        link: `${base}/add/search?term=Thomas%20Keneally`,
        image: "https://images.example/keneally.jpg",
        text: "Australian novelist, author of Schindler's Ark (Schindler's List).",
        type: "author",
      },
      {
        id: "3D7cc",
        name: "Schindler's List (1982)",
        link: `${base}/book/schindlers-list`,
        image: "https://images.example/schindler-cover.jpg",
        text: "Thomas Keneally",
        type: "book (in library)",
      },
    ]);
  },
});
