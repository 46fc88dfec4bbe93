import { z } from "zod";
import { strictEncode } from "../../engine/http.js";
import { call, notService, parse } from "../../engine/kit.js";
import { baseOf } from "../../engine/probe.js";
import { defineKind } from "../../engine/types.js";
import { formatSize } from "../arr-family/format.js";
import { publicUrl } from "../arr-family/links.js";
import { checkKey, HINT, keyMessage, readVersion } from "./api.js";
import { indexers } from "./capabilities.js";

// The JSON results of Jackett's aggregate search (src/Jackett.Server/Controllers/ResultsController.cs `Results`,
// v0.24.2440): `{Results: ReleaseInfo[], Indexers: […]}`. `Link`/`MagnetUri` carry the key and are never read.
const Result = z.object({
  Title: z.string(),
  Tracker: z.string().nullish(),
  TrackerId: z.string().nullish(),
  CategoryDesc: z.string().nullish(),
  Size: z.number().nullish(),
  PublishDate: z.string().nullish(),
  Seeders: z.number().nullish(),
  Guid: z.string().nullish(),
  InfoHash: z.string().nullish(),
  Poster: z.string().nullish(),
});
const Results = z.object({ Results: z.array(z.unknown()) });

/**
 * Jackett. The key travels only as the `apikey` query parameter (the outbound client strips query strings
 * from every message). What the key opens and what it does not is described in ./api.ts: the test proves the
 * key with torznab (`t=caps`) and reports the version when the admin API opens without a password.
 */
export default defineKind({
  kind: "jackett",
  name: "Jackett",
  categories: ["indexerManager"],
  secretOptions: [["apiKey"]],
  defaultPort: 9117,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/jackett.svg",
  docsUrl: "https://github.com/Jackett/Jackett/wiki/Jackett-Categories",
  credentialHint: HINT,
  capabilities: { indexers },
  async test(ctx) {
    await checkKey(ctx);
    return { version: await readVersion(ctx) };
  },
  async search(ctx, query, limit) {
    const res = await call(ctx, { path: "/api/v2.0/indexers/all/results", query: { apikey: ctx.secrets.apiKey ?? "", Query: query } }, { expect: [200, 404], credentialsMessage: keyMessage });
    if (res.status === 404) {
      // "all" answers 404 on the JSON endpoint when no indexer is configured; torznab tells that case apart
      // from a wrong URL.
      if ((await checkKey(ctx)) === "no-indexers") return [];
      throw notService(ctx, res);
    }
    // Items that are not results (no title) are skipped, not fatal: one odd tracker must not hide the rest.
    const items = parse(ctx, res, Results).Results.flatMap((r) => {
      const p = Result.safeParse(r);
      return p.success ? [p.data] : [];
    });
    items.sort((a, b) => (b.Seeders ?? -1) - (a.Seeders ?? -1));
    const base = baseOf(ctx.url);
    return items.slice(0, limit).map((r) => {
      const facts = [r.Tracker, typeof r.Size === "number" ? formatSize(r.Size) : undefined, typeof r.Seeders === "number" ? `${r.Seeders} seeders` : undefined, r.PublishDate?.slice(0, 10)].filter(Boolean);
      return {
        id: String(r.Guid ?? r.InfoHash ?? `${r.TrackerId ?? ""}:${r.Title}`),
        name: r.Title,
        // The dashboard opens its search dialog from the hash (search, tracker), pre-filled and already run.
        link: `${base}/UI/Dashboard#search=${strictEncode(query)}${r.TrackerId ? `&tracker=${strictEncode(r.TrackerId)}` : ""}`,
        image: publicUrl(r.Poster, [ctx.secrets.apiKey ?? ""]),
        text: facts.join(" · ") || undefined,
        type: r.CategoryDesc ?? undefined,
      };
    });
  },
});
