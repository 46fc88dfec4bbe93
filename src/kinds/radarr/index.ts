import { arrKind, lookupSearch } from "../arr-family/adapter.js";
import { calendar } from "./capabilities.js";

export default arrKind({
  kind: "radarr",
  name: "Radarr",
  apiVersion: "v3",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 7878,
  minVersion: "3.0",
  docsUrl: "https://radarr.video/docs/api/",
  capabilities: { calendar },
  // Library movies open at /movie/<tmdbId> in Radarr's UI.
  search: lookupSearch({ name: "Radarr", path: "/api/v3/movie/lookup", noun: "movie", idOf: (m) => m.tmdbId, libraryPath: (m) => (m.tmdbId ? `/movie/${m.tmdbId}` : undefined) }),
});
