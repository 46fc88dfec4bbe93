import { arrGet, arrKind, asResults, posterOf, readJson } from "../arr-family/adapter.js";
import { strictEncode } from "../../engine/http.js";

export default arrKind({
  kind: "radarr",
  name: "Radarr",
  apiVersion: "v3",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 7878,
  minVersion: "3.0",
  docsUrl: "https://radarr.video/docs/api/",
  async search(ctx, query, limit) {
    const spec = { name: "Radarr" };
    const list = readJson(await arrGet(ctx, spec, "/api/v3/movie/lookup", { term: query }), spec);
    const base = ctx.url.toString().replace(/\/$/, "");
    return asResults(list, (m) => {
      const title = typeof m.title === "string" ? m.title : undefined;
      if (!title) return undefined;
      const inLibrary = typeof m.id === "number" && m.id > 0;
      return {
        id: String(m.tmdbId ?? m.titleSlug ?? title),
        name: m.year ? `${title} (${m.year})` : title,
        link: inLibrary && m.tmdbId ? `${base}/movie/${m.tmdbId}` : `${base}/add/new?term=${strictEncode(title)}`,
        image: posterOf(m.images),
        text: typeof m.overview === "string" ? m.overview.slice(0, 300) : undefined,
        type: inLibrary ? "movie (in library)" : "movie",
      };
    }).slice(0, limit);
  },
});
