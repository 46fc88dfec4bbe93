import { z } from "zod";
import { call, notService, parse } from "../../engine/kit.js";
import { keyHint, seerrGet, tmdbImage, yearOf } from "./api.js";
import { baseOf } from "../../engine/probe.js";
import { defineKind, type KindDefinition, type SearchResult } from "../../engine/types.js";
import { seerrMediaRequests } from "./capabilities.js";

/**
 * Overseerr, Jellyseerr and Seerr (Overseerr's successor, migrated Overseerr installs run it) share one API
 * (`/api/v1`, `X-Api-Key`). A wrong key answers **403** JSON (not 401). `/api/v1/status` (anonymous) gives
 * the version; `/api/v1/auth/me` proves the key (numeric `id`). Both kinds accept all three products: Seerr's
 * public settings always carry `mediaServerType` (seerr-team/seerr v3.1.0 server/lib/settings/index.ts), so
 * that field no longer tells Jellyseerr from Overseerr, and the APIs Patchbay uses are the same (docs/kinds.md).
 * The search query must be strictly percent-encoded (no `+`, no raw `!'()*`); the shared client does that.
 */
export type SeerrName = "Overseerr" | "Jellyseerr";

/** Only the answers Patchbay reads; other fields are left out (and unknown ones ignored). */
const Status = z.object({ version: z.string().min(1) });
const Me = z.object({ id: z.number() });
const SearchPage = z.object({
  results: z.array(
    z.object({
      id: z.number(),
      mediaType: z.string().min(1),
      title: z.string().nullish(),
      name: z.string().nullish(),
      releaseDate: z.string().nullish(),
      firstAirDate: z.string().nullish(),
      posterPath: z.string().nullish(),
      profilePath: z.string().nullish(),
      overview: z.string().nullish(),
    }),
  ),
});

export function seerrKind<const K extends string>(spec: { kind: K; name: SeerrName; docsUrl: string }): KindDefinition<K> {
  return defineKind({
    kind: spec.kind,
    name: spec.name,
    categories: ["mediaRequest"],
    secretOptions: [["apiKey"]],
    defaultPort: 5055,
    iconUrl: `https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/${spec.kind}.svg`,
    docsUrl: spec.docsUrl,
    // Every release speaks API v1. Development builds report "develop-<commit>": the runner applies the
    // floor only to numeric versions, so those pass.
    minVersion: "1.0.0",
    credentialHint: keyHint(spec.name),
    async test(ctx) {
      // Anonymous: anything but 200 with a version (an *arr's 401, a web page) is "not this service".
      const statusRes = await call(ctx, { path: "/api/v1/status" }, { expect: (s) => s < 500 && s !== 429 });
      if (statusRes.status !== 200) throw notService(ctx, statusRes);
      const { version } = parse(ctx, statusRes, Status);
      await seerrGet(ctx, { path: "/api/v1/auth/me" }, Me);
      return { version };
    },
    async search(ctx, query, limit) {
      const body = await seerrGet(ctx, { path: "/api/v1/search", query: { query, page: 1 } }, SearchPage);
      const base = baseOf(ctx.url);
      const out: SearchResult[] = [];
      for (const r of body.results) {
        const name = r.title || r.name;
        if (!name) continue;
        const year = yearOf(r.releaseDate ?? r.firstAirDate);
        out.push({
          id: `${r.mediaType}:${r.id}`,
          name: year && r.mediaType !== "person" ? `${name} (${year})` : name,
          link: `${base}/${encodeURIComponent(r.mediaType)}/${r.id}`,
          image: tmdbImage(r.posterPath ?? r.profilePath),
          text: r.overview ? r.overview.slice(0, 300) : undefined,
          type: r.mediaType,
        });
      }
      return out.slice(0, limit);
    },
    capabilities: { mediaRequests: seerrMediaRequests },
  });
}

