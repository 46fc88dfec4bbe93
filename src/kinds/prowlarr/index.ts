import { arrGet, arrKind, asResults, readJson } from "../arr-family/adapter.js";
import { strictEncode } from "../../engine/http.js";

/**
 * Prowlarr (API v1). Search fans out to every enabled indexer (`/api/v1/search?query=&type=search&limit=`),
 * so it is slow by nature; the overall deadline bounds it. A result links to Prowlarr's own search page,
 * pre-filled with the query and narrowed to the indexer that found it (the page reads `query` and `indexerIds`).
 */
export default arrKind({
  kind: "prowlarr",
  name: "Prowlarr",
  apiVersion: "v1",
  categories: ["indexerManager"],
  defaultPort: 9696,
  minVersion: "1.0",
  docsUrl: "https://prowlarr.com/docs/api/",
  async search(ctx, query, limit) {
    const spec = { name: "Prowlarr" };
    const list = readJson(await arrGet(ctx, spec, "/api/v1/search", { query, type: "search", limit }), spec);
    const base = ctx.url.toString().replace(/\/$/, "");
    return asResults(list, (r) => {
      if (typeof r.title !== "string") return undefined;
      const indexer = typeof r.indexer === "string" ? r.indexer : undefined;
      const category = Array.isArray(r.categories) ? (r.categories[0] as { name?: unknown } | undefined)?.name : undefined;
      const facts = [
        indexer,
        typeof r.protocol === "string" ? r.protocol : undefined,
        typeof r.size === "number" ? formatSize(r.size) : undefined,
        typeof r.seeders === "number" ? `${r.seeders} seeders` : undefined,
        typeof r.publishDate === "string" ? r.publishDate.slice(0, 10) : undefined,
      ].filter(Boolean);
      return {
        id: String(r.guid ?? `${r.indexerId ?? ""}:${r.title}`),
        name: r.title,
        link: `${base}/search?query=${strictEncode(query)}${typeof r.indexerId === "number" ? `&indexerIds=${r.indexerId}` : ""}`,
        image: typeof r.posterUrl === "string" ? r.posterUrl : undefined,
        text: facts.join(" · ") || undefined,
        type: typeof category === "string" ? category : typeof r.protocol === "string" ? r.protocol : undefined,
      };
    }).slice(0, limit);
  },
});

function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
