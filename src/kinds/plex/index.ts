import { z } from "zod";
import { strictEncode, type HttpResponse } from "../../engine/http.js";
import { call, check, notService, parse } from "../../engine/kit.js";
import { baseOf } from "../../engine/probe.js";
import { defineKind, TestFailure, type SearchResult, type TestContext } from "../../engine/types.js";
import { mediaServer, plexHeaders } from "./capabilities.js";

const HINT =
  "Use an X-Plex-Token: in Plex Web open any item → ⋯ → Get Info → View XML; the token is the X-Plex-Token value in the address that opens.";

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
    const server = readContainer(ctx, await plexGet(ctx, "/"), ServerRoot);
    if (server.machineIdentifier !== identity.machineIdentifier) {
      throw new TestFailure("UNEXPECTED_RESPONSE", "Plex answered with two different server identities; is a proxy mixing two servers behind this address?");
    }
    return { version: server.version ?? identity.version };
  },
  capabilities: { mediaServer },
  async search(ctx, query, limit) {
    const [identity, res] = await Promise.all([readIdentity(ctx), plexGet(ctx, "/hubs/search", { query, limit })]);
    const hubs = readContainer(ctx, res, HubSearch).Hub ?? [];
    const base = baseOf(ctx.url);
    const seen = new Set<string>();
    const out: SearchResult[] = [];
    for (const hub of hubs) {
      for (const m of hub.Metadata ?? []) {
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
  return call(ctx, { path, query, headers: plexHeaders(ctx) }, { credentialsMessage: `Plex rejected the token. ${HINT}` });
}

async function readIdentity(ctx: TestContext): Promise<Identity> {
  const res = await call(ctx, { path: "/identity", headers: { accept: "application/json" } }, { expect: (s) => s < 500 && s !== 429 });
  if (res.status !== 200) throw notService(ctx, res);
  return readContainer(ctx, res, IdentityContainer);
}

const IdentityContainer = z.object({ machineIdentifier: z.string().min(1), version: z.string().optional(), friendlyName: z.string().optional() });
const ServerRoot = z.object({ machineIdentifier: z.string().min(1), version: z.string().optional() });
const Metadata = z.object({
  ratingKey: z.union([z.string(), z.number()]).nullish(),
  key: z.string().nullish(),
  type: z.string().nullish(),
  title: z.string().nullish(),
  year: z.number().nullish(),
  thumb: z.string().nullish(),
  summary: z.string().nullish(),
  librarySectionTitle: z.string().nullish(),
  parentTitle: z.string().nullish(),
  grandparentTitle: z.string().nullish(),
});
type Metadata = z.infer<typeof Metadata>;
const HubSearch = z.object({ Hub: z.array(z.object({ Metadata: z.array(Metadata).optional() })).optional() });

/**
 * `MediaContainer` from a JSON reply, or the root element's attributes from an XML reply (a proxy may drop
 * the Accept header), checked with `schema`; anything else is "not Plex".
 */
function readContainer<S extends z.ZodType>(ctx: TestContext, res: HttpResponse, schema: S): z.output<S> {
  const open = /^\s*(?:<\?xml[^>]*\?>\s*)?<MediaContainer\b([^>]*)>/.exec(res.text)?.[1];
  if (open === undefined) return (parse(ctx, res, z.object({ MediaContainer: schema })) as { MediaContainer: z.output<S> }).MediaContainer;
  const attrs: Record<string, unknown> = {};
  for (const [, k, v] of open.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[k!] = v!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return check(ctx, attrs, schema, res.status);
}

function mapMetadata(m: Metadata, base: string, machineIdentifier: string): SearchResult | undefined {
  const title = m.title || undefined;
  const ratingKey = m.ratingKey !== undefined && m.ratingKey !== null ? String(m.ratingKey) : undefined;
  if (!title || !ratingKey) return undefined;
  const type = m.type || undefined;
  const year = m.year ?? undefined;
  let name = title;
  if ((type === "episode" || type === "track") && m.grandparentTitle) name = `${m.grandparentTitle} – ${title}`;
  else if ((type === "season" || type === "album") && m.parentTitle) name = `${m.parentTitle} – ${title}`;
  if (year && (type === "movie" || type === "show" || type === "album")) name += ` (${year})`;
  const key = m.key || `/library/metadata/${ratingKey}`;
  const thumb = m.thumb || undefined;
  const summary = m.summary || undefined;
  return {
    id: ratingKey,
    name,
    link: `${base}/web/index.html#!/server/${strictEncode(machineIdentifier)}/details?key=${strictEncode(key)}`,
    // Library thumbnails need the token; a token must never end up in a URL handed to users, so only absolute
    // (agent-provided) image URLs are passed on.
    image: thumb && /^https?:\/\//i.test(thumb) ? thumb : undefined,
    text: summary ? summary.slice(0, 300) : m.librarySectionTitle || undefined,
    type,
  };
}
