import { expect } from "vitest";
import { describeArrKind } from "../arr-family/suite.js";

// The shape of Radarr's /api/v3/movie/lookup items: `id` only for movies already in the library.
const movies = [
  {
    title: "Schindler's List",
    year: 1993,
    tmdbId: 424,
    imdbId: "tt0108052",
    titleSlug: "424",
    overview: "The true story of how businessman Oskar Schindler saved over a thousand Jewish lives.",
    images: [{ coverType: "poster", remoteUrl: "https://image.tmdb.org/t/p/original/schindler.jpg" }],
    id: 12,
  },
  {
    title: "Schindler's Houses",
    year: 2022,
    tmdbId: 880001,
    titleSlug: "880001",
    overview: "A documentary.",
    images: [],
  },
  { title: "Heat", year: 1995, tmdbId: 949, titleSlug: "949", images: [] },
];

describeArrKind({
  kind: "radarr",
  app: "Radarr",
  categories: ["mediaCollection", "calendar", "search"],
  defaultPort: 7878,
  version: "5.14.0.9383",
  otherApp: "Sonarr",
  legacy: true,
  lookup: movies,
  checkSearch(results, base) {
    expect(results).toEqual([
      {
        id: "424",
        name: "Schindler's List (1993)",
        link: `${base}/movie/424`,
        image: "https://image.tmdb.org/t/p/original/schindler.jpg",
        text: "The true story of how businessman Oskar Schindler saved over a thousand Jewish lives.",
        type: "movie (in library)",
      },
      {
        id: "880001",
        name: "Schindler's Houses (2022)",
        link: `${base}/add/new?term=Schindler%27s%20Houses`,
        text: "A documentary.",
        type: "movie",
      },
    ]);
  },
});
