import { strictEncode, type HttpResponse } from "../../engine/http.js";
import { baseOf, httpError, isObject, isServerError, notService, str, tryJson } from "../../engine/probe.js";
import { defineKind, TestFailure, type SearchResult, type TestContext } from "../../engine/types.js";
import { mediaServer, plexHeaders } from "./capabilities.js";

const HINT =
  "Use an X-Plex-Token: in Plex Web open any item → ⋯ → Get Info → View XML; the token is the X-Plex-Token value in the address that opens.";
const URL_HINT = "Use the address of Plex Media Server itself (for example http://host:32400), not app.plex.tv.";

interface Identity {
  machineIdentifier: string;
  version?: string;
  friendlyName?: string;
}

/**
 * Plex Media Server. `/identity` answers without a token (machineIdentifier + version), so it proves "this is
 * Plex" but not the token; the token is proven on `/` (server root), which answers 401 without a valid one.
 * Replies are XML unless `Accept: application/json` is sent; both are understood for the identity, in case a
 * proxy drops the header. The token travels only in the X-Plex-Token header, never in a URL.
 */
export default defineKind({
  kind: "plex",
  name: "Plex",
  categories: ["mediaServer"],
  secretOptions: [["apiKey"]],
  defaultPort: 32400,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/plex.svg",
  docsUrl: "https://support.plex.tv/articles/204059436-finding-an-authentication-token-x-plex-token/",
  // Chosen floor, not a protocol limit: every PMS since 2020 answers JSON on /identity, / and /hubs/search.
  minVersion: "1.20.0",
  credentialHint: `Check the Plex token. ${HINT}`,
  async test(ctx) {
    const identity = await readIdentity(ctx);
    const root = await plexGet(ctx, "/");
    const server = readContainer(root);
    if (!server || typeof server.machineIdentifier !== "string") throw notService("Plex Media Server", root, URL_HINT);
    if (server.machineIdentifier !== identity.machineIdentifier) {
      throw new TestFailure("UNEXPECTED_RESPONSE", "Plex answered with two different server identities; is a proxy mixing two servers behind this address?");
    }
    return { version: str(server.version) ?? identity.version };
  },
  capabilities: { mediaServer },
  async search(ctx, query, limit) {
    const [identity, res] = await Promise.all([readIdentity(ctx), plexGet(ctx, "/hubs/search", { query, limit })]);
    const container = readContainer(res);
    if (!container) throw notService("Plex Media Server", res, URL_HINT);
    const hubs = Array.isArray(container.Hub) ? container.Hub : [];
    const base = baseOf(ctx.url);
    const seen = new Set<string>();
    const out: SearchResult[] = [];
    for (const hub of hubs) {
      if (!isObject(hub) || !Array.isArray(hub.Metadata)) continue;
      for (const m of hub.Metadata) {
        if (!isObject(m)) continue;
        const r = mapMetadata(m, base, identity.machineIdentifier);
        if (!r || seen.has(r.id)) continue;
        seen.add(r.id);
        out.push(r);
      }
    }
    return out.slice(0, limit);
  },
});

async function plexGet(ctx: TestContext, path: string, query?: Record<string, string | number>): Promise<HttpResponse> {
  const res = await ctx.http.request({
    path,
    query,
    headers: plexHeaders(ctx),
  });
  if (res.status === 401 || res.status === 403) {
    throw new TestFailure("INVALID_CREDENTIALS", `Plex rejected the token (HTTP ${res.status}). ${HINT}`, { statusCode: res.status });
  }
  if (isServerError(res.status)) throw httpError("Plex", res.status);
  return res;
}

async function readIdentity(ctx: TestContext): Promise<Identity> {
  const res = await ctx.http.request({ path: "/identity", headers: { accept: "application/json" } });
  if (isServerError(res.status)) throw httpError("Plex", res.status);
  const c = res.status === 200 ? readContainer(res) : undefined;
  const machineIdentifier = str(c?.machineIdentifier);
  if (!machineIdentifier) throw notService("Plex Media Server", res, URL_HINT);
  return { machineIdentifier, version: str(c?.version), friendlyName: str(c?.friendlyName) };
}

/** `MediaContainer` from a JSON reply, or the root element's attributes from an XML reply. */
function readContainer(res: HttpResponse): Record<string, unknown> | undefined {
  if (res.status !== 200) return undefined;
  const json = tryJson(res.text);
  if (json !== undefined) return isObject(json) && isObject(json.MediaContainer) ? json.MediaContainer : undefined;
  const open = /^\s*(?:<\?xml[^>]*\?>\s*)?<MediaContainer\b([^>]*)>/.exec(res.text)?.[1];
  if (open === undefined) return undefined;
  const attrs: Record<string, unknown> = {};
  for (const [, k, v] of open.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[k!] = v!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return attrs;
}

function mapMetadata(m: Record<string, unknown>, base: string, machineIdentifier: string): SearchResult | undefined {
  const title = str(m.title);
  const ratingKey = m.ratingKey !== undefined ? String(m.ratingKey) : undefined;
  if (!title || !ratingKey) return undefined;
  const type = str(m.type);
  const year = typeof m.year === "number" ? m.year : undefined;
  let name = title;
  if ((type === "episode" || type === "track") && str(m.grandparentTitle)) name = `${m.grandparentTitle} – ${title}`;
  else if ((type === "season" || type === "album") && str(m.parentTitle)) name = `${m.parentTitle} – ${title}`;
  if (year && (type === "movie" || type === "show" || type === "album")) name += ` (${year})`;
  const key = str(m.key) ?? `/library/metadata/${ratingKey}`;
  const thumb = str(m.thumb);
  const summary = str(m.summary);
  return {
    id: ratingKey,
    name,
    link: `${base}/web/index.html#!/server/${strictEncode(machineIdentifier)}/details?key=${strictEncode(key)}`,
    // Library thumbnails need the token; a token must never end up in a URL handed to users, so only absolute
    // (agent-provided) image URLs are passed on.
    image: thumb && /^https?:\/\//i.test(thumb) ? thumb : undefined,
    text: summary ? summary.slice(0, 300) : str(m.librarySectionTitle),
    type,
  };
}
