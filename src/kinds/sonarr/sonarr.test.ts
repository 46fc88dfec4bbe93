import { expect } from "vitest";
import { sampleSeries } from "../arr-family/emulator.js";
import { describeArrKind } from "../arr-family/suite.js";

describeArrKind({
  kind: "sonarr",
  app: "Sonarr",
  categories: ["mediaCollection", "calendar", "search"],
  defaultPort: 8989,
  version: "4.0.14.2939",
  otherApp: "Radarr",
  legacy: true,
  lookup: sampleSeries,
  checkSearch(results, base) {
    // Only the exotic title matches; it is not in the library, so it links to "add new" with the title.
    expect(results).toEqual([
      {
        id: "4242",
        name: `Schindler's List (1993) & "quotes" (1993)`,
        link: `${base}/add/new?term=Schindler%27s%20List%20%281993%29%20%26%20%22quotes%22`,
        image: "https://artworks.example/poster.jpg",
        text: "A test series with an exotic title.",
        type: "series",
      },
    ]);
  },
  librarySearch: {
    query: "Expanse",
    check(results, base) {
      expect(results).toEqual([
        { id: "280619", name: "The Expanse (2015)", link: `${base}/series/the-expanse`, text: "In library.", type: "series (in library)" },
      ]);
    },
  },
});
