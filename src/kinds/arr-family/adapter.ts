import { tryJson } from "../../engine/probe.js";
import { defineKind, TestFailure, type KindDefinition, type SearchResult, type TestContext } from "../../engine/types.js";

/**
 * Shared protocol of the *arr family (Sonarr, Radarr, Lidarr, Readarr, Prowlarr): an X-Api-Key header and a
 * `system/status` endpoint that names the application, so a Radarr URL given to the sonarr kind is caught.
 * Each kind keeps its own file (src/kinds/<kind>/index.ts) and declares itself with this helper.
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
}

export function arrKind<const K extends string>(spec: ArrSpec<K>): KindDefinition<K> {
  const hint = `Check the API key in ${spec.name} → Settings → General → Security.`;
  return defineKind({
    kind: spec.kind,
    name: spec.name,
    categories: spec.categories,
    secretOptions: [["apiKey"]],
    defaultPort: spec.defaultPort,
    iconUrl: `https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/${spec.kind}.svg`,
    docsUrl: spec.docsUrl,
    minVersion: spec.minVersion,
    credentialHint: hint,
    async test(ctx) {
      const res = await arrGet(ctx, spec, `/api/${spec.apiVersion}/system/status`);
      if (res.status === 404) {
        // Older majors have no /api/<version>; /api tells which API generation the server speaks.
        const probe = await ctx.http.request({ path: "/api", headers: { "x-api-key": ctx.secrets.apiKey ?? "" } });
        const body = tryJson(probe.text) as { current?: unknown } | undefined;
        if (probe.status === 200 && body && typeof body.current === "string") {
          // Another app of the family on another API generation (Sonarr v3 given to the lidarr kind)?
          if (/^v\d+$/.test(body.current)) {
            const other = await ctx.http.request({ path: `/api/${body.current}/system/status`, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } });
            const app = (tryJson(other.text) as { appName?: unknown } | undefined)?.appName;
            if (other.status === 200 && typeof app === "string" && app.toLowerCase() !== spec.name.toLowerCase()) {
              throw new TestFailure("UNEXPECTED_RESPONSE", `This is ${app}, not ${spec.name}. Pick the ${app} kind or check the URL.`, { found: app });
            }
          }
          throw new TestFailure("UNSUPPORTED_VERSION", `This ${spec.name} only speaks API ${body.current}; Patchbay needs API ${spec.apiVersion} (${spec.name} ${spec.minVersion} or newer).`, {
            apiVersion: body.current,
          });
        }
        throw notArr(spec, 404);
      }
      const status = readJson(res, spec) as { appName?: unknown; version?: unknown };
      if (typeof status.appName !== "string" || typeof status.version !== "string") throw notArr(spec, res.status);
      if (status.appName.toLowerCase() !== spec.name.toLowerCase()) {
        throw new TestFailure("UNEXPECTED_RESPONSE", `This is ${status.appName}, not ${spec.name}. Pick the ${status.appName} kind or check the URL.`, {
          found: status.appName,
        });
      }
      return { version: status.version };
    },
    search: spec.search,
  });
}

export async function arrGet(ctx: TestContext, spec: Pick<ArrSpec<string>, "name">, path: string, query?: Record<string, string | number>) {
  const res = await ctx.http.request({ path, query, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } });
  if (res.status === 401 || res.status === 403) {
    throw new TestFailure("INVALID_CREDENTIALS", `${spec.name} rejected the API key. Check the API key in ${spec.name} → Settings → General → Security.`, {
      statusCode: res.status,
    });
  }
  return res;
}

export function readJson(res: { status: number; text: string }, spec: Pick<ArrSpec<string>, "name">): unknown {
  if (res.status !== 200) {
    throw res.status >= 500 || res.status === 429
      ? new TestFailure("HTTP_ERROR", `${spec.name} answered HTTP ${res.status}.`, { statusCode: res.status })
      : notArr(spec, res.status);
  }
  const body = tryJson(res.text);
  if (body === undefined || typeof body !== "object" || body === null) throw notArr(spec, res.status);
  return body;
}

function notArr(spec: Pick<ArrSpec<string>, "name">, status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address does not answer like ${spec.name}'s API. Use the base URL you open ${spec.name} with (for example http://host:port, plus the URL base if you set one).`,
    { statusCode: status },
  );
}


export function posterOf(images: unknown): string | undefined {
  if (!Array.isArray(images)) return undefined;
  const img = images.find((i) => i?.coverType === "poster") ?? images[0];
  return typeof img?.remoteUrl === "string" ? img.remoteUrl : undefined;
}

export function asResults(list: unknown, map: (item: Record<string, unknown>) => SearchResult | undefined): SearchResult[] {
  if (!Array.isArray(list)) throw new TestFailure("UNEXPECTED_RESPONSE", "The search answer was not a list.");
  return list.flatMap((i) => (i && typeof i === "object" ? (map(i as Record<string, unknown>) ?? []) : []));
}
