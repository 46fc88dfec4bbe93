import { arrGet, arrKind, asResults, posterOf, readJson } from "../arr-family/adapter.js";
import { strictEncode } from "../../engine/http.js";

export default arrKind({
  kind: "sonarr",
  name: "Sonarr",
  apiVersion: "v3",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 8989,
  minVersion: "3.0",
  docsUrl: "https://sonarr.tv/docs/api/",
  async search(ctx, query, limit) {
    const spec = { name: "Sonarr" };
    const list = readJson(await arrGet(ctx, spec, "/api/v3/series/lookup", { term: query }), spec);
    const base = ctx.url.toString().replace(/\/$/, "");
    return asResults(list, (s) => {
      const title = typeof s.title === "string" ? s.title : undefined;
      if (!title) return undefined;
      const inLibrary = typeof s.id === "number" && s.id > 0;
      return {
        id: String(s.tvdbId ?? s.titleSlug ?? title),
        name: s.year ? `${title} (${s.year})` : title,
        link: inLibrary && typeof s.titleSlug === "string" ? `${base}/series/${s.titleSlug}` : `${base}/add/new?term=${strictEncode(title)}`,
        image: posterOf(s.images),
        text: typeof s.overview === "string" ? s.overview.slice(0, 300) : undefined,
        type: inLibrary ? "series (in library)" : "series",
      };
    }).slice(0, limit);
  },
});
