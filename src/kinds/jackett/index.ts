import { strictEncode, type HttpResponse } from "../../engine/http.js";
import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const HINT = "Copy the API key from the top right of the Jackett dashboard (\"API Key\").";
const TORZNAB = "/api/v2.0/indexers/all/results/torznab/api";

/**
 * Jackett. The key travels only as the `apikey` query parameter (the outbound client strips query strings
 * from every message). The torznab endpoint reports errors inside an HTTP 200 XML body: code 100 is a wrong
 * key, code 201 means the key is fine but no indexer is configured yet. The version is only available from
 * the admin API (`/api/v2.0/server/config`), which needs the admin cookie when an admin password is set, so
 * the test reports it when it can and succeeds without it otherwise.
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
  async test(ctx) {
    await checkKey(ctx);
    return { version: await readVersion(ctx) };
  },
  async search(ctx, query, limit) {
    const res = await ctx.http.request({
      path: "/api/v2.0/indexers/all/results",
      query: { apikey: ctx.secrets.apiKey ?? "", Query: query },
    });
    if (res.status === 401 || res.status === 403) throw badKey(res.status);
    if (res.status === 404) {
      // "all" answers 404 on the JSON endpoint when no indexer is configured; torznab tells that case apart
      // from a wrong URL.
      const state = await checkKey(ctx);
      if (state === "no-indexers") return [];
      throw notJackett(404);
    }
    if (res.status >= 500 || res.status === 429) throw new TestFailure("HTTP_ERROR", `Jackett answered HTTP ${res.status}.`, { statusCode: res.status });
    if (res.status !== 200) throw notJackett(res.status);
    const body = res.json<{ Results?: unknown }>();
    if (!body || typeof body !== "object" || !Array.isArray(body.Results)) throw notJackett(res.status);
    const base = ctx.url.toString().replace(/\/$/, "");
    const items = (body.Results as unknown[]).filter((r): r is Record<string, unknown> => !!r && typeof r === "object" && typeof (r as { Title?: unknown }).Title === "string");
    items.sort((a, b) => num(b.Seeders) - num(a.Seeders));
    return items.slice(0, limit).map((r) => {
      const tracker = typeof r.Tracker === "string" ? r.Tracker : undefined;
      const trackerId = typeof r.TrackerId === "string" ? r.TrackerId : undefined;
      const facts = [
        tracker,
        typeof r.Size === "number" ? formatSize(r.Size) : undefined,
        typeof r.Seeders === "number" ? `${r.Seeders} seeders` : undefined,
        typeof r.PublishDate === "string" ? r.PublishDate.slice(0, 10) : undefined,
      ].filter(Boolean);
      return {
        id: String(r.Guid ?? r.InfoHash ?? `${trackerId ?? ""}:${r.Title}`),
        name: r.Title as string,
        // The dashboard opens its search dialog from the hash (search, tracker), pre-filled and already run.
        link: `${base}/UI/Dashboard#search=${strictEncode(query)}${trackerId ? `&tracker=${strictEncode(trackerId)}` : ""}`,
        image: typeof r.Poster === "string" && /^https?:\/\//.test(r.Poster) ? r.Poster : undefined,
        text: facts.join(" · ") || undefined,
        type: typeof r.CategoryDesc === "string" ? r.CategoryDesc : undefined,
      };
    });
  },
});

/** Proves the key with the torznab capabilities call. */
async function checkKey(ctx: TestContext): Promise<"ok" | "no-indexers"> {
  const res = await ctx.http.request({ path: TORZNAB, query: { apikey: ctx.secrets.apiKey ?? "", t: "caps" }, headers: { accept: "application/xml, text/xml, */*" } });
  if (res.status === 401 || res.status === 403) throw badKey(res.status);
  const error = torznabError(res);
  if (error) {
    if (error.code === "100") throw badKey(res.status);
    if (error.code === "201") return "no-indexers";
    throw new TestFailure("UNEXPECTED_RESPONSE", `Jackett answered with error ${error.code}${error.description ? ` (${error.description})` : ""}.`, {
      statusCode: res.status,
      torznabError: error.code,
    });
  }
  if (res.status >= 500 || res.status === 429) throw new TestFailure("HTTP_ERROR", `Jackett answered HTTP ${res.status}.`, { statusCode: res.status });
  if (res.status !== 200 || !/<caps[\s>]/.test(res.text)) throw notJackett(res.status);
  return "ok";
}

function torznabError(res: HttpResponse): { code: string; description?: string } | undefined {
  const m = /<error\b([^>]*)\/?>/i.exec(res.text);
  if (!m) return undefined;
  const code = /\bcode="(\d+)"/.exec(m[1] ?? "")?.[1];
  if (!code) return undefined;
  const description = /\bdescription="([^"]*)"/.exec(m[1] ?? "")?.[1];
  return { code, description };
}

async function readVersion(ctx: TestContext): Promise<string | undefined> {
  try {
    const res = await ctx.http.request({ path: "/api/v2.0/server/config" });
    if (res.status !== 200) return undefined;
    const body = JSON.parse(res.text) as { app_version?: unknown };
    return typeof body?.app_version === "string" && body.app_version ? body.app_version : undefined;
  } catch (err) {
    // The key is already proven; a missing version must not fail the test, but the deadline still applies.
    if (ctx.http.signal.aborted) throw err;
    return undefined;
  }
}

function badKey(status: number): TestFailure {
  return new TestFailure("INVALID_CREDENTIALS", `Jackett rejected the API key. ${HINT}`, { statusCode: status });
}

function notJackett(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Jackett's API. Use the base URL you open Jackett with (for example http://host:9117, plus the base path if you set one).",
    { statusCode: status },
  );
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : -1);

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
