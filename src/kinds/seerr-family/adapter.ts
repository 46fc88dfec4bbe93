import type { HttpResponse } from "../../engine/http.js";
import { baseOf, httpError, isObject, isServerError, notService, str, tryJson, wrongKind } from "../../engine/probe.js";
import { defineKind, TestFailure, type KindDefinition, type SearchResult, type TestContext } from "../../engine/types.js";

/**
 * Overseerr and its fork Jellyseerr share one API (`/api/v1`, `X-Api-Key`). A wrong key answers **403** JSON
 * (not 401). `/api/v1/status` (anonymous) gives the version; `/api/v1/auth/me` proves the key (numeric `id`);
 * `/api/v1/settings/public` (anonymous) tells the two apart: only Jellyseerr reports `mediaServerType`.
 * The search query must be strictly percent-encoded (no `+`, no raw `!'()*`); the shared client does that.
 */
type SeerrName = "Overseerr" | "Jellyseerr";

const TMDB_IMAGE = "https://image.tmdb.org/t/p/w600_and_h900_bestv2";

export function seerrKind<const K extends string>(spec: { kind: K; name: SeerrName; docsUrl: string }): KindDefinition<K> {
  const keyHint = `Copy the API key from ${spec.name} → Settings → General → API Key.`;
  const urlHint = `Use the address you open ${spec.name} with (for example http://host:5055).`;

  async function get(ctx: TestContext, path: string, query?: Record<string, string | number>, withKey = true): Promise<HttpResponse> {
    const res = await ctx.http.request({ path, query, headers: withKey ? { "x-api-key": ctx.secrets.apiKey ?? "" } : {} });
    if (withKey && (res.status === 401 || res.status === 403)) {
      throw new TestFailure("INVALID_CREDENTIALS", `${spec.name} rejected the API key (HTTP ${res.status}). ${keyHint}`, { statusCode: res.status });
    }
    if (isServerError(res.status)) throw httpError(spec.name, res.status);
    return res;
  }

  function json(res: HttpResponse): Record<string, unknown> {
    const body = res.status === 200 ? tryJson(res.text) : undefined;
    if (!isObject(body)) throw notService(spec.name, res, urlHint);
    return body;
  }

  return defineKind({
    kind: spec.kind,
    name: spec.name,
    categories: ["mediaRequest"],
    secretOptions: [["apiKey"]],
    defaultPort: 5055,
    iconUrl: `https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/${spec.kind}.svg`,
    docsUrl: spec.docsUrl,
    // Every 1.x release speaks API v1. Development builds report "develop-<commit>": the runner applies the
    // floor only to numeric versions, so those pass.
    minVersion: "1.0.0",
    credentialHint: keyHint,
    async test(ctx) {
      const statusRes = await get(ctx, "/api/v1/status", undefined, false);
      const version = str(json(statusRes).version);
      if (!version) throw notService(spec.name, statusRes, urlHint);
      const settings = await get(ctx, "/api/v1/settings/public", undefined, false);
      const pub = settings.status === 200 ? tryJson(settings.text) : undefined;
      if (isObject(pub)) {
        const found: SeerrName = "mediaServerType" in pub ? "Jellyseerr" : "Overseerr";
        if (found !== spec.name) throw wrongKind(found, spec.name);
      }
      const meRes = await get(ctx, "/api/v1/auth/me");
      if (typeof json(meRes).id !== "number") throw notService(spec.name, meRes, urlHint);
      return { version };
    },
    async search(ctx, query, limit) {
      const res = await get(ctx, "/api/v1/search", { query, page: 1 });
      const body = json(res);
      if (!Array.isArray(body.results)) throw notService(spec.name, res, urlHint);
      const base = baseOf(ctx.url);
      const out: SearchResult[] = [];
      for (const r of body.results) {
        if (!isObject(r)) continue;
        const mediaType = str(r.mediaType);
        const name = str(r.title) ?? str(r.name);
        if (typeof r.id !== "number" || !mediaType || !name) continue;
        const date = str(r.releaseDate) ?? str(r.firstAirDate);
        const year = date && /^\d{4}/.test(date) ? date.slice(0, 4) : undefined;
        const picture = str(r.posterPath) ?? str(r.profilePath);
        const overview = str(r.overview);
        out.push({
          id: `${mediaType}:${r.id}`,
          name: year && mediaType !== "person" ? `${name} (${year})` : name,
          link: `${base}/${encodeURIComponent(mediaType)}/${r.id}`,
          image: picture ? `${TMDB_IMAGE}${picture.startsWith("/") ? "" : "/"}${picture}` : undefined,
          text: overview ? overview.slice(0, 300) : undefined,
          type: mediaType,
        });
      }
      return out.slice(0, limit);
    },
  });
}
