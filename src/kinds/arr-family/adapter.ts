import { z } from "zod";
import type { HttpResponse } from "../../engine/http.js";
import { call, getJson, notService, parse, type CallOptions } from "../../engine/kit.js";
import { strictEncode } from "../../engine/http.js";
import { baseOf, tryJson } from "../../engine/probe.js";
import type { Capabilities } from "../../engine/capabilities.js";
import { defineKind, TestFailure, type KindDefinition, type SearchResult, type TestContext } from "../../engine/types.js";
import { publicUrl } from "./links.js";

/**
 * Shared protocol of the *arr family (Sonarr, Radarr, Lidarr, Readarr, Prowlarr): an X-Api-Key header and a
 * `system/status` endpoint that names the application, so a Radarr URL given to the sonarr kind is caught.
 * Each kind keeps its own folder (src/kinds/<kind>/) and declares itself with this helper; every answer is
 * read through the adapter kit (src/engine/kit.ts) with a zod schema.
 */
export interface ArrSpec<K extends string> {
  kind: K;
  name: string;
  apiVersion: "v1" | "v3";
  categories: KindDefinition["categories"];
  defaultPort: number;
  minVersion: string;
  docsUrl: string;
  search?: KindDefinition["search"];
  capabilities?: Capabilities<TestContext>;
}

type Named = Pick<ArrSpec<string>, "name">;

// Sonarr/Sonarr src/Sonarr.Api.V3/System/SystemController.cs (v3.0.9.1549 SystemModule.cs, v4.0.19.2979):
// `appName` is BuildInfo.AppName, `version` the build's 4-part version; the same resource in every *arr.
const Status = z.object({ appName: z.string(), version: z.string() });
// Sonarr/Sonarr src/Sonarr.Http/ApiInfoController.cs (v4.0.19.2979): GET /api → {current, deprecated}.
const ApiInfo = z.object({ current: z.string() });

export function arrKind<const K extends string>(spec: ArrSpec<K>): KindDefinition<K> {
  return defineKind({
    kind: spec.kind,
    name: spec.name,
    categories: spec.categories,
    secretOptions: [["apiKey"]],
    defaultPort: spec.defaultPort,
    iconUrl: `https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/${spec.kind}.svg`,
    docsUrl: spec.docsUrl,
    minVersion: spec.minVersion,
    credentialHint: `Check the API key in ${spec.name} → Settings → General → Security.`,
    async test(ctx) {
      const res = await arrCall(ctx, spec, { path: `/api/${spec.apiVersion}/system/status` }, { expect: (s) => (s >= 200 && s < 300) || s === 404 });
      if (res.status === 404) await explainMissingApi(ctx, spec);
      const status = parse(ctx, res, Status);
      if (status.appName.toLowerCase() !== spec.name.toLowerCase()) throw wrongApp(status.appName, spec);
      return { version: status.version };
    },
    search: spec.search,
    capabilities: spec.capabilities,
  });
}

/** No /api/<version>: older majors (Sonarr v2 answers /api with current "v2") or another app of another API generation. */
async function explainMissingApi(ctx: TestContext, spec: ArrSpec<string>): Promise<never> {
  const probe = await arrCall(ctx, spec, { path: "/api" }, { expect: () => true });
  const info = probe.status === 200 ? ApiInfo.safeParse(tryJson(probe.text)) : undefined;
  if (!info?.success) throw notService(ctx, { ...probe, status: 404 });
  const current = info.data.current;
  if (/^v\d+$/.test(current)) {
    // Another app of the family on another API generation (Sonarr v3 given to the lidarr kind)?
    const other = await arrCall(ctx, spec, { path: `/api/${current}/system/status` }, { expect: () => true });
    const app = other.status === 200 ? Status.safeParse(tryJson(other.text)) : undefined;
    if (app?.success && app.data.appName.toLowerCase() !== spec.name.toLowerCase()) throw wrongApp(app.data.appName, spec);
  }
  throw new TestFailure("UNSUPPORTED_VERSION", `This ${spec.name} only speaks API ${current}; Patchbay needs API ${spec.apiVersion} (${spec.name} ${spec.minVersion} or newer).`, {
    apiVersion: current,
  });
}

function wrongApp(found: string, spec: Named): TestFailure {
  return new TestFailure("UNEXPECTED_RESPONSE", `This is ${found}, not ${spec.name}. Pick the ${found} kind or check the URL.`, { found });
}

function keyMessage(spec: Named): string {
  return `${spec.name} rejected the API key. Check the API key in ${spec.name} → Settings → General → Security.`;
}

/** One request with the key in the X-Api-Key header (never in the URL), statuses mapped by the kit. */
export function arrCall(ctx: TestContext, spec: Named, req: { path: string; query?: Record<string, string | number>; method?: string; json?: unknown }, opts: CallOptions = {}): Promise<HttpResponse> {
  return call(ctx, { ...req, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } }, { credentialsMessage: keyMessage(spec), ...opts });
}

/** `arrCall` + zod parse: the usual read of an *arr JSON endpoint. */
export function arrGet<S extends z.ZodType>(ctx: TestContext, spec: Named, path: string, schema: S, query?: Record<string, string | number>): Promise<z.output<S>> {
  return getJson(ctx, { path, query, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } }, schema, { credentialsMessage: keyMessage(spec) });
}

// ---- shared answer pieces ----

/**
 * MediaCover (e.g. Sonarr/Sonarr src/NzbDrone.Core/MediaCover/MediaCover.cs, v4.0.19.2979; the same class in
 * Radarr, Lidarr, Readarr): `url` is Sonarr's own /MediaCover/… path once converted to a local URL (it needs
 * the UI's session), `remoteUrl` the public image host. Only `remoteUrl`-style values are handed out.
 */
export const MediaCover = z.object({ coverType: z.string().optional(), url: z.string().nullish(), remoteUrl: z.string().nullish() });
export const Images = z.array(MediaCover).nullish();

/** The public URL of the image of `type` (or the first one), without a credential. */
export function imageOf(images: z.output<typeof Images>, type: string, forbidden: string[]): string | undefined {
  const list = images ?? [];
  const img = list.find((i) => i.coverType === type) ?? list[0];
  // Sonarr v3 stores the public address in `url` (src/NzbDrone.Core/MetadataSource/SkyHook/SkyHookProxy.cs,
  // v3.0.9.1549: `Url = arg.Url`), v4 in `remoteUrl` (same file, v4.0.19.2979: `RemoteUrl = arg.Url`); a local
  // /MediaCover/… path is relative and so never passes publicUrl.
  return publicUrl(img?.remoteUrl, forbidden) ?? publicUrl(img?.url, forbidden);
}

export const optionalText = (s: string | null | undefined, max = 300) => (s ? s.slice(0, max) : undefined);

/** Maps a parsed list, dropping items the mapper cannot use, up to `limit`. */
export function results<T>(list: T[], limit: number, map: (item: T) => SearchResult | undefined): SearchResult[] {
  return list.flatMap((i) => map(i) ?? []).slice(0, limit);
}

// Sonarr/Sonarr src/Sonarr.Api.V3/Series/SeriesLookupController.cs + SeriesResource.cs (v3.0.9.1549, v4.0.19.2979)
// and Radarr/Radarr src/Radarr.Api.V3/Movies/MovieLookupController.cs + MovieResource.cs (v4.7.5.7809 … v6.0.3.10276):
// lookup items are series/movie resources; `id` is set only for items already in the library.
const LookupItem = z.object({
  title: z.string().nullish(),
  year: z.number().nullish(),
  tvdbId: z.number().nullish(),
  tmdbId: z.number().nullish(),
  titleSlug: z.string().nullish(),
  id: z.number().nullish(),
  overview: z.string().nullish(),
  images: Images,
  remotePoster: z.string().nullish(),
});
export type LookupItem = z.output<typeof LookupItem>;

/** Search through a `…/lookup?term=` endpoint (Sonarr series, Radarr movies): library items link to their page, others to "add new". */
export function lookupSearch(spec: { name: string; path: string; noun: string; idOf(i: LookupItem): number | null | undefined; libraryPath(i: LookupItem): string | undefined }): NonNullable<KindDefinition["search"]> {
  return async (ctx, query, limit) => {
    const list = await arrGet(ctx, spec, spec.path, z.array(LookupItem), { term: query });
    const base = baseOf(ctx.url);
    const forbidden = [ctx.secrets.apiKey ?? ""];
    return results(list, limit, (i) => {
      if (!i.title) return undefined;
      const page = (i.id ?? 0) > 0 ? spec.libraryPath(i) : undefined;
      return {
        id: String(spec.idOf(i) ?? i.titleSlug ?? i.title),
        name: i.year ? `${i.title} (${i.year})` : i.title,
        link: page ? `${base}${page}` : `${base}/add/new?term=${strictEncode(i.title)}`,
        image: imageOf(i.images, "poster", forbidden) ?? publicUrl(i.remotePoster, forbidden),
        text: optionalText(i.overview),
        type: page ? `${spec.noun} (in library)` : spec.noun,
      };
    });
  };
}

/**
 * One side of Lidarr's/Readarr's mixed `/api/v1/search?term=` answer (an artist or album, an author or book),
 * normalised by the kind's schema. `remote` is the resource's own public image field: Lidarr/Lidarr
 * src/Lidarr.Api.V1/Search/SearchController.cs (v1.0.2.2592, v2.14.5.4836) sets `artist.remotePoster` and
 * `album.remoteCover` from the metadata images, Readarr/Readarr src/Readarr.Api.V1/Search/SearchController.cs
 * (v0.3.21.2475) `author.remotePoster` and `book.remoteCover`; the `images` list is only the fallback.
 */
export interface MixedSide {
  name: string;
  foreignId?: string | null;
  /** Set when the item is in the library. */
  id?: number | null;
  /** UI path of the item's page when in the library (e.g. `/artist/<foreignArtistId>`). */
  page?: string;
  year?: string;
  /** Shown as text instead of the overview (the album's artist, the book's author). */
  byline?: string | null;
  overview?: string | null;
  remote?: string | null;
  images?: z.output<typeof Images>;
  imageType: string;
}

export function mixedSearch(spec: {
  name: string;
  nouns: { creator: string; work: string };
  item: z.ZodType<{ foreignId?: string | null; creator?: MixedSide; work?: MixedSide }>;
}): NonNullable<KindDefinition["search"]> {
  return async (ctx, query, limit) => {
    const list = await arrGet(ctx, spec, "/api/v1/search", z.array(spec.item), { term: query });
    const base = baseOf(ctx.url);
    const forbidden = [ctx.secrets.apiKey ?? ""];
    // "add new" for everything not in the library: the UI's search page, pre-filled.
    const addLink = (term: string) => `${base}/add/search?term=${strictEncode(term)}`;
    return results(list, limit, (item) => {
      const [side, noun] = item.work ? [item.work, spec.nouns.work] : item.creator ? [item.creator, spec.nouns.creator] : [];
      if (!side || !noun) return undefined;
      const inLibrary = (side.id ?? 0) > 0 && side.page !== undefined;
      return {
        id: String(side.foreignId ?? item.foreignId ?? side.name),
        name: side.year ? `${side.name} (${side.year})` : side.name,
        link: inLibrary ? `${base}${side.page}` : addLink(side.name),
        image: publicUrl(side.remote, forbidden) ?? imageOf(side.images, side.imageType, forbidden),
        text: side.byline ?? optionalText(side.overview),
        type: inLibrary ? `${noun} (in library)` : noun,
      };
    });
  };
}
