import { arrKind, lookupSearch } from "../arr-family/adapter.js";
import { calendar } from "./capabilities.js";

export default arrKind({
  kind: "sonarr",
  name: "Sonarr",
  apiVersion: "v3",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 8989,
  minVersion: "3.0",
  docsUrl: "https://sonarr.tv/docs/api/",
  capabilities: { calendar },
  // Library series open at /series/<titleSlug> in Sonarr's UI.
  search: lookupSearch({ name: "Sonarr", path: "/api/v3/series/lookup", noun: "series", idOf: (s) => s.tvdbId, libraryPath: (s) => (s.titleSlug ? `/series/${s.titleSlug}` : undefined) }),
});
