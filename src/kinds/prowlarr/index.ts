import { z } from "zod";
import { strictEncode } from "../../engine/http.js";
import { baseOf } from "../../engine/probe.js";
import { arrGet, arrKind, results } from "../arr-family/adapter.js";
import { formatSize } from "../arr-family/format.js";
import { publicUrl } from "../arr-family/links.js";
import { indexers } from "./capabilities.js";

// Prowlarr/Prowlarr src/Prowlarr.Api.V1/Search/ReleaseResource.cs (v1.0.0.2171, v2.3.5.5327). `downloadUrl`
// carries the API key (`?apikey=`), so it is never read.
const Release = z.object({
  guid: z.string().nullish(),
  indexerId: z.number().nullish(),
  indexer: z.string().nullish(),
  title: z.string().nullish(),
  size: z.number().nullish(),
  seeders: z.number().nullish(),
  publishDate: z.string().nullish(),
  protocol: z.string().nullish(),
  posterUrl: z.string().nullish(),
  categories: z.array(z.object({ name: z.string().nullish() })).nullish(),
});

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
  capabilities: { indexers },
  async search(ctx, query, limit) {
    const list = await arrGet(ctx, { name: "Prowlarr" }, "/api/v1/search", z.array(Release), { query, type: "search", limit });
    const base = baseOf(ctx.url);
    return results(list, limit, (r) => {
      if (!r.title) return undefined;
      const category = r.categories?.[0]?.name;
      const facts = [
        r.indexer,
        r.protocol,
        typeof r.size === "number" ? formatSize(r.size) : undefined,
        typeof r.seeders === "number" ? `${r.seeders} seeders` : undefined,
        r.publishDate?.slice(0, 10),
      ].filter(Boolean);
      return {
        id: String(r.guid ?? `${r.indexerId ?? ""}:${r.title}`),
        name: r.title,
        link: `${base}/search?query=${strictEncode(query)}${typeof r.indexerId === "number" ? `&indexerIds=${r.indexerId}` : ""}`,
        image: publicUrl(r.posterUrl, [ctx.secrets.apiKey ?? ""]),
        text: facts.join(" · ") || undefined,
        type: category ?? r.protocol ?? undefined,
      };
    });
  },
});
