import { z } from "zod";
import type { HttpResponse } from "../../engine/http.js";
import { call, check, getJson, notService } from "../../engine/kit.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT = "Copy the API key from the top right of the Jackett dashboard (\"API Key\").";
const TORZNAB = "/api/v2.0/indexers/all/results/torznab/api";
export const keyMessage = `Jackett rejected the API key. ${HINT}`;

/**
 * What Jackett answers with the API key alone, and what needs more (Jackett/Jackett v0.24.2440):
 * - the results endpoints (`/api/v2.0/indexers/<id>/results[/torznab]`) are `[AllowAnonymous]` behind the
 *   `RequiresApiKey` filter (src/Jackett.Server/Controllers/ResultsController.cs): the key as `apikey`/`passkey`;
 *   torznab reports errors in an HTTP 200 XML body (100 = wrong key, 201 = indexer not configured);
 * - every other controller (IndexerApiController: `/api/v2.0/indexers`, `/{id}/test`; ServerConfigurationController:
 *   `/api/v2.0/server/config`) sits behind the global `AuthorizeFilter` with cookie authentication, cookie
 *   "Jackett" (src/Jackett.Server/Startup.cs); the API key does not open them. Unauthenticated requests are
 *   redirected to /UI/Login.
 * - `/UI/Login?cookiesChecked=1` signs the caller in without a password when no admin password is set
 *   (src/Jackett.Server/Controllers/UIController.cs `Login` → `CheckAuthorised(string.Empty)`, and
 *   src/Jackett.Server/Services/SecurityService.cs: an empty AdminPassword authorises everyone). With an admin
 *   password set, only that password opens the admin API, and Patchbay stores only the API key.
 */
export async function torznab(ctx: TestContext, query: Record<string, string>): Promise<{ res: HttpResponse; error?: { code: string; description?: string } }> {
  const res = await call(ctx, { path: TORZNAB, query: { apikey: ctx.secrets.apiKey ?? "", ...query }, headers: { accept: "application/xml, text/xml, */*" } }, {
    expect: () => true,
    credentialsMessage: keyMessage,
  });
  if (res.status === 401 || res.status === 403) throw badKey(res.status);
  const m = /<error\b([^>]*)\/?>/i.exec(res.text);
  const code = m ? /\bcode="(\d+)"/.exec(m[1] ?? "")?.[1] : undefined;
  if (code === "100") throw badKey(res.status);
  const error = code ? { code, description: /\bdescription="([^"]*)"/.exec(m?.[1] ?? "")?.[1] } : undefined;
  if (!error && (res.status >= 500 || res.status === 429)) throw new TestFailure("HTTP_ERROR", `Jackett answered HTTP ${res.status}.`, { statusCode: res.status });
  return { res, error };
}

/** Proves the key with the torznab capabilities call; "no-indexers" is torznab error 201 (key fine, nothing configured). */
export async function checkKey(ctx: TestContext): Promise<"ok" | "no-indexers"> {
  const { res, error } = await torznab(ctx, { t: "caps" });
  if (error?.code === "201") return "no-indexers";
  if (error) throw torznabFailure(res.status, error);
  if (res.status !== 200 || !/<caps[\s>]/.test(res.text)) throw notService(ctx, res);
  return "ok";
}

// `t=indexers` on the "all" meta indexer (ResultsController.cs `Torznab`, v0.24.2440): `<indexers><indexer id=…
// configured=…><title>…</title>…</indexer></indexers>`, filtered by `configured=true`.
const TorznabIndexer = z.object({ id: z.string().min(1), title: z.string() });

/** The configured indexers, with the API key alone. */
export async function configuredIndexers(ctx: TestContext): Promise<z.output<typeof TorznabIndexer>[]> {
  const { res, error } = await torznab(ctx, { t: "indexers", configured: "true" });
  if (error?.code === "201") return [];
  if (error) throw torznabFailure(res.status, error);
  if (res.status !== 200 || !/<indexers[\s>]/.test(res.text)) throw notService(ctx, res);
  const items = [...res.text.matchAll(/<indexer\b([^>]*)>([\s\S]*?)<\/indexer>/g)].map(([, attrs, inner]) => ({
    id: xmlText(/\bid="([^"]*)"/.exec(attrs ?? "")?.[1]),
    title: xmlText(/<title>([\s\S]*?)<\/title>/.exec(inner ?? "")?.[1]),
  }));
  return check(ctx, items, z.array(TorznabIndexer), res.status);
}

/**
 * Opens the admin API when Jackett has no admin password (see above): true when the "Jackett" cookie was
 * issued. With an admin password the login page is served instead and no cookie comes back.
 */
export async function adminSession(ctx: TestContext): Promise<boolean> {
  if (ctx.http.cookie("Jackett")) return true;
  await call(ctx, { path: "/UI/Login", query: { cookiesChecked: "1" }, headers: { accept: "text/html" } }, { expect: () => true });
  return ctx.http.cookie("Jackett") !== undefined;
}

// ServerConfigurationController.cs `Config` → ServerConfig DTO with `app_version` (v0.24.2440).
const ServerConfig = z.object({ app_version: z.string().nullish() });

/** The version, from the admin API when it can be opened with the key alone; undefined otherwise. */
export async function readVersion(ctx: TestContext): Promise<string | undefined> {
  try {
    if (!(await adminSession(ctx))) return undefined;
    const config = await getJson(ctx, { path: "/api/v2.0/server/config" }, ServerConfig);
    return config.app_version || undefined;
  } catch (err) {
    // The key is already proven; a missing version must not fail the test, but the deadline still applies.
    if (ctx.http.signal.aborted) throw err;
    return undefined;
  }
}

export function badKey(status: number): TestFailure {
  return new TestFailure("INVALID_CREDENTIALS", keyMessage, { statusCode: status });
}

function torznabFailure(status: number, error: { code: string; description?: string }): TestFailure {
  return new TestFailure("UNEXPECTED_RESPONSE", `Jackett answered with error ${error.code}${error.description ? ` (${error.description})` : ""}.`, {
    statusCode: status,
    torznabError: error.code,
  });
}

function xmlText(s: string | undefined): string | undefined {
  return s
    ?.replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}
