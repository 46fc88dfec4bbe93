import type { z } from "zod";
import type { HttpRequest } from "../../engine/http.js";
import { getJson } from "../../engine/kit.js";
import type { TestContext } from "../../engine/types.js";

/** Calls and small readers shared by the Overseerr/Jellyseerr/Seerr adapter and its capability. */

export const TMDB_IMAGE = "https://image.tmdb.org/t/p/w600_and_h900_bestv2";

export function keyHint(name: string): string {
  return `Copy the API key from ${name} → Settings → General → API Key.`;
}

/** A keyed JSON GET whose 401/403 says the API key was rejected. */
export function seerrGet<S extends z.ZodType>(ctx: TestContext, req: HttpRequest, schema: S): Promise<z.output<S>> {
  return getJson(ctx, { ...req, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } }, schema, { credentialsMessage: rejected(ctx) });
}

export function rejected(ctx: TestContext): string {
  return `${ctx.kind.name} rejected the API key. ${ctx.kind.credentialHint}`;
}

/** The first 4 digits of a TMDB date ("1993-12-15"), if any. */
export function yearOf(date: string | null | undefined): number | undefined {
  return date && /^\d{4}/.test(date) ? Number(date.slice(0, 4)) : undefined;
}

export function tmdbImage(path: string | null | undefined): string | undefined {
  return path ? `${TMDB_IMAGE}${path.startsWith("/") ? "" : "/"}${path}` : undefined;
}


/** An avatar/poster URL to hand out: absolute (a local path is joined to the base URL), and dropped when its
 * query would carry a credential (docs/capabilities.md: links never carry one). */
export function safeImageUrl(base: string, value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value.startsWith("/") ? `${base}${value}` : value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  for (const k of url.searchParams.keys()) if (/token|api_?key|auth|password|secret/i.test(k)) return undefined;
  return url.toString();
}
