import crypto from "node:crypto";
import { z } from "zod";
import { call, notService, parse, statusFailure } from "../../engine/kit.js";
import type { HttpResponse } from "../../engine/http.js";
import { baseOf, isServerError, wrongKind } from "../../engine/probe.js";
import { compareVersions } from "../../engine/version.js";
import { TestFailure, type SearchResult, type TestContext } from "../../engine/types.js";

/**
 * Shared protocol of Jellyfin and Emby (both descend from Media Browser).
 *
 * - `System/Ping` and `System/Info/Public` answer without any credential, so they only tell *which* server
 *   this is (Jellyfin sets `ProductName: "Jellyfin Server"`, Emby has no ProductName) and its version.
 * - The credential is proven on `System/Info`, which answers 401 without a valid token.
 * - Jellyfin: `Authorization: MediaBrowser Client=…, Device=…, DeviceId=…, Version=…, Token="…"`; a
 *   username+password is exchanged for a token with `Users/AuthenticateByName`, and that session is logged
 *   out again (`Sessions/Logout`) after the test or search.
 * - Emby: paths under `/emby`, `X-Emby-Token` plus `Authorization: Emby Client=…`.
 */
export interface Flavor {
  name: "Jellyfin" | "Emby";
  /** Path prefix of the API ("" for Jellyfin, "/emby" for Emby). */
  prefix: "" | "/emby";
  minVersion: string;
  keyHint: string;
}

export const JELLYFIN: Flavor = {
  name: "Jellyfin",
  prefix: "",
  minVersion: "10.10.0",
  keyHint: "Create an API key in Jellyfin → Dashboard → API Keys, or use a Jellyfin username and password.",
};

export const EMBY: Flavor = {
  name: "Emby",
  prefix: "/emby",
  minVersion: "4.0",
  keyHint: "Create an API key in Emby → Settings (Manage Emby Server) → Advanced → API Keys.",
};

const CLIENT = "Patchbay";
const CLIENT_VERSION = "0.1.0";

export interface PublicInfo {
  product: "Jellyfin" | "Emby";
  version: string;
  serverId: string;
  serverName?: string;
  wizardDone: boolean;
}

export interface Session {
  token: string;
  userId?: string;
}

function quote(v: string): string {
  return `"${v.replace(/["\\]/g, "")}"`;
}

/** The headers that carry identity and (optionally) the token, in the flavor's own scheme. */
export function authHeaders(flavor: Flavor, deviceId: string, token?: string): Record<string, string> {
  const parts = [`Client=${quote(CLIENT)}`, `Device=${quote(CLIENT)}`, `DeviceId=${quote(deviceId)}`, `Version=${quote(CLIENT_VERSION)}`];
  if (flavor.name === "Jellyfin") {
    if (token !== undefined) parts.push(`Token=${quote(token)}`);
    return { authorization: `MediaBrowser ${parts.join(", ")}` };
  }
  const h: Record<string, string> = { authorization: `Emby ${parts.join(", ")}` };
  if (token !== undefined) h["x-emby-token"] = token;
  return h;
}

const PublicInfoBody = z.object({
  Version: z.string().min(1),
  Id: z.string().min(1),
  ProductName: z.string().nullish(),
  ServerName: z.string().nullish(),
  StartupWizardCompleted: z.boolean().nullish(),
});
const AuthResult = z.object({ AccessToken: z.string().min(1), User: z.object({ Id: z.string().nullish() }).nullish() });
const SystemInfo = z.object({ Version: z.string().min(1), Id: z.string().nullish() });

/** The public info, or undefined when this answer is not one (so another path can be tried). */
function parsePublicInfo(ctx: TestContext, res: HttpResponse): PublicInfo | undefined {
  if (res.status !== 200) return undefined;
  let body: z.output<typeof PublicInfoBody>;
  try {
    body = parse(ctx, res, PublicInfoBody);
  } catch {
    return undefined;
  }
  // Only Jellyfin sets ProductName; Emby is 3.x/4.x, Jellyfin 10.x (a Jellyfin too old to name itself is still Jellyfin).
  const product = /jellyfin/i.test(body.ProductName ?? "") || compareVersions(body.Version, "10.0") >= 0 ? "Jellyfin" : "Emby";
  return { product, version: body.Version, serverId: body.Id, serverName: body.ServerName ?? undefined, wizardDone: body.StartupWizardCompleted !== false };
}

/** Which Media Browser server answers here; anything else is UNEXPECTED_RESPONSE naming what answered. */
export async function readPublicInfo(ctx: TestContext, flavor: Flavor): Promise<PublicInfo> {
  const anyBelow5xx = { expect: (s: number) => s < 500 && s !== 429 };
  let res = await call(ctx, { path: `${flavor.prefix}/System/Info/Public` }, anyBelow5xx);
  let info = parsePublicInfo(ctx, res);
  if (!info && flavor.prefix) {
    // Not Emby's /emby API; maybe a Jellyfin (no /emby prefix) that should be named as such.
    const plain = await call(ctx, { path: "/System/Info/Public" }, anyBelow5xx);
    info = parsePublicInfo(ctx, plain);
    if (!info) res = plain;
  }
  if (!info) throw notService(ctx, res);
  if (info.product !== flavor.name) throw wrongKind(info.product, flavor.name);
  if (!info.wizardDone) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `${flavor.name} has not been set up yet: finish its setup wizard, then create an API key.`);
  }
  return info;
}

export function tooOld(flavor: Flavor, version: string): boolean {
  return compareVersions(version, flavor.minVersion) < 0;
}

/** Gets a token: the API key as is, or a fresh session from username+password (logged out on cleanup). */
export async function openSession(ctx: TestContext, flavor: Flavor, deviceId: string): Promise<Session> {
  if (ctx.secrets.apiKey !== undefined) return { token: ctx.secrets.apiKey };
  const res = await call(
    ctx,
    {
      method: "POST",
      path: `${flavor.prefix}/Users/AuthenticateByName`,
      headers: authHeaders(flavor, deviceId),
      json: { Username: ctx.secrets.username ?? "", Pw: ctx.secrets.password ?? "" },
    },
    { expect: [200], credentialsMessage: `${flavor.name} rejected the username or password. Check them by signing in to ${flavor.name}'s web UI.` },
  );
  const body = parse(ctx, res, AuthResult);
  const token = body.AccessToken;
  ctx.onCleanup((http) => http.request({ method: "POST", path: `${flavor.prefix}/Sessions/Logout`, headers: authHeaders(flavor, deviceId, token) }));
  return { token, userId: body.User?.Id ?? undefined };
}

export async function mbGet(
  ctx: TestContext,
  flavor: Flavor,
  deviceId: string,
  session: Session,
  path: string,
  query?: Record<string, string | number | undefined>,
): Promise<HttpResponse> {
  const res = await ctx.http.request({ path: `${flavor.prefix}${path}`, query, headers: authHeaders(flavor, deviceId, session.token) });
  if (res.status === 401) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      ctx.secrets.apiKey !== undefined ? `${flavor.name} rejected the API key. ${flavor.keyHint}` : `${flavor.name} rejected the session it had just opened.`,
      { statusCode: 401 },
    );
  }
  if (isServerError(res.status)) throw statusFailure(ctx, res);
  return res;
}

export function newDeviceId(): string {
  // One device per test/search: Jellyfin revokes other sessions of the same user *and device* on login, so a
  // shared id would let two concurrent searches log each other out. The session is logged out afterwards.
  return `patchbay-${crypto.randomUUID()}`;
}

/** The connection test: identity (public), version floor, then the credential on the authenticated System/Info. */
export async function testMediaBrowser(ctx: TestContext, flavor: Flavor): Promise<{ version: string }> {
  const info = await readPublicInfo(ctx, flavor);
  // Too old: the runner answers UNSUPPORTED_VERSION; no point in sending credentials to it.
  if (tooOld(flavor, info.version)) return { version: info.version };
  const deviceId = newDeviceId();
  const session = await openSession(ctx, flavor, deviceId);
  const res = await mbGet(ctx, flavor, deviceId, session, "/System/Info");
  if (res.status === 403) {
    // The token was recognised (401 otherwise) but this user may not read the full system info.
    return { version: info.version };
  }
  if (res.status !== 200) throw notService(ctx, res);
  const body = parse(ctx, res, SystemInfo);
  if (body.Id && body.Id !== info.serverId) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `${flavor.name} answered with two different server ids; is a proxy mixing two servers behind this address?`);
  }
  return { version: body.Version };
}

/** One search hit, from Jellyfin's `Search/Hints` or Emby's `Items` (their field names differ a little). */
const Hit = z.object({
  Id: z.union([z.string(), z.number()]).nullish(),
  ItemId: z.union([z.string(), z.number()]).nullish(),
  Name: z.string().nullish(),
  Type: z.string().nullish(),
  ProductionYear: z.number().nullish(),
  PrimaryImageTag: z.string().nullish(),
  ImageTags: z.record(z.string(), z.string()).nullish(),
  Series: z.string().nullish(),
  SeriesName: z.string().nullish(),
  Album: z.string().nullish(),
  AlbumArtist: z.string().nullish(),
});
const Hints = z.object({ SearchHints: z.array(Hit) });
const Items = z.object({ Items: z.array(Hit) });

/** Item types a search returns on Emby (its `Items` query would otherwise also list folders, people, seasons…). */
const EMBY_SEARCH_TYPES = "Movie,Series,Episode,MusicAlbum,MusicArtist,Audio,MusicVideo,BoxSet";

/**
 * Search. Jellyfin: `GET /Search/Hints?searchTerm=&limit=&userId=` (jellyfin/jellyfin v10.10.0 and v10.11.0
 * Jellyfin.Api/Controllers/SearchController.cs). Emby: `GET /emby/Items?SearchTerm=&Recursive=true&Limit=`
 * (Emby REST API reference, ItemsService getItems: github MediaBrowser/Emby.SDK
 * Documentation/reference/RestAPI/ItemsService/getItems.html); Emby 4.7 and 4.8 no longer publish
 * `Search/Hints` (that reference has no SearchService), so every Emby release is searched through `Items`.
 */
export async function searchMediaBrowser(ctx: TestContext, flavor: Flavor, query: string, limit: number): Promise<SearchResult[]> {
  const info = await readPublicInfo(ctx, flavor);
  const deviceId = newDeviceId();
  const session = await openSession(ctx, flavor, deviceId);
  const hits =
    flavor.name === "Jellyfin"
      ? parse(ctx, await mbOk(ctx, flavor, deviceId, session, "/Search/Hints", { searchTerm: query, limit, userId: session.userId }), Hints).SearchHints
      : parse(
          ctx,
          await mbOk(ctx, flavor, deviceId, session, "/Items", { SearchTerm: query, Recursive: "true", Limit: limit, IncludeItemTypes: EMBY_SEARCH_TYPES, Fields: "ProductionYear", UserId: session.userId }),
          Items,
        ).Items;
  const base = baseOf(ctx.url);
  const enc = encodeURIComponent;
  const out: SearchResult[] = [];
  for (const h of hits) {
    const rawId = h.Id ?? h.ItemId;
    const id = rawId === undefined || rawId === null ? undefined : String(rawId);
    const name = h.Name || undefined;
    if (!id || !name) continue;
    const type = h.Type || undefined;
    const year = h.ProductionYear ?? undefined;
    const context = [h.Series ?? h.SeriesName, h.Album, h.AlbumArtist].filter(Boolean).join(" – ");
    const tag = h.PrimaryImageTag ?? h.ImageTags?.Primary;
    out.push({
      id,
      name: year && (type === "Movie" || type === "Series") ? `${name} (${year})` : name,
      link:
        flavor.name === "Jellyfin"
          ? `${base}/web/index.html#!/details?id=${enc(id)}&serverId=${enc(info.serverId)}`
          : `${base}/web/index.html#!/item?id=${enc(id)}&serverId=${enc(info.serverId)}`,
      // Item images are served without authentication; no token goes into this URL.
      image: tag ? `${base}${flavor.prefix}/Items/${enc(id)}/Images/Primary?tag=${enc(tag)}` : undefined,
      text: context || (year ? String(year) : undefined),
      type,
    });
  }
  return out.slice(0, limit);
}

/** `mbGet` that accepts only 200 (anything else is "not this service"). */
export async function mbOk(...args: Parameters<typeof mbGet>): Promise<HttpResponse> {
  const res = await mbGet(...args);
  if (res.status !== 200) throw notService(args[0], res);
  return res;
}
