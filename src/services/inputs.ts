import { z } from "zod";
import { GLOBAL_PERMISSIONS, LEVEL_NAMES } from "../auth/permissions.js";
import { isCommonPassword, PASSWORD_MIN_LENGTH } from "../auth/password-policy.js";
import { SECRET_KINDS } from "../engine/types.js";
import { getKind } from "../kinds/index.js";

/** Input pieces shared by several routers; each message names what is wrong. */
export const id = z.string().trim().min(1, "must not be empty").max(64, "is too long");
export const name = z.string().trim().min(1, "must not be empty").max(127, "must be at most 127 characters");

/** An absolute http(s) URL without credentials, query or fragment; the trailing slash is dropped. */
export const serviceUrl = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(2048, "must be at most 2048 characters")
  .transform((value, ctx) => {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not an absolute URL (like http://192.168.1.10:8989)" });
      return z.NEVER;
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: `only http:// and https:// URLs are allowed (got ${u.protocol})` });
      return z.NEVER;
    }
    if (u.username || u.password) {
      ctx.addIssue({ code: "custom", message: "must not contain a user name or password; enter credentials as secrets" });
      return z.NEVER;
    }
    if (u.search || u.hash) {
      ctx.addIssue({ code: "custom", message: "must not contain a query string or fragment; use the base URL of the service" });
      return z.NEVER;
    }
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  });

/** Optional links of apps: http(s) only, so a stored `javascript:` URL can never reach a page. */
export const httpLink = z
  .string()
  .trim()
  .max(2048, "must be at most 2048 characters")
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an absolute http:// or https:// URL");

export const iconUrl = z
  .string()
  .trim()
  .max(2048, "must be at most 2048 characters")
  .refine((v) => {
    if (v.startsWith("/")) return true;
    try {
      return ["http:", "https:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, "must be an http(s) URL or a path starting with /");

export const secretKind = z.enum(SECRET_KINDS);
export const secretValue = z.string().min(1, "must not be empty").max(4096, "must be at most 4096 characters");
/** A per-integration level by name (src/auth/permissions.ts): the one schema of it. */
export const permissionLevel = z.enum(LEVEL_NAMES);
export const globalPermission = z.enum(GLOBAL_PERMISSIONS);
export const username = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[\p{L}\p{N}._@-]+$/u, "may contain letters, digits and . _ @ - only");
/**
 * A point in time from a Date (tRPC/superjson) or an ISO 8601 string with offset (REST/JSON), within ten years
 * (`createApiKey.expiresAt`); "in the future" is checked by the service against its own clock.
 */
export const futureTimestamp = z
  .union([z.date(), z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with offset, e.g. 2030-01-31T00:00:00Z" })])
  .transform((v) => new Date(v))
  .refine((d) => !Number.isNaN(d.getTime()) && d.getTime() < Date.now() + 10 * 365 * 24 * 3600_000, "must be a valid time within ten years");

/** A new password (src/auth/password-policy.ts); "not the username" is checked where both are known. */
export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(256, "must be at most 256 characters")
  .refine((p) => p.length < PASSWORD_MIN_LENGTH || !isCommonPassword(p), "is one of the 10,000 most common passwords; choose another");

export const appFields = z.object({
  name,
  description: z.string().trim().max(512, "must be at most 512 characters").nullish(),
  iconUrl,
  href: httpLink.nullish(),
  pingUrl: httpLink.nullish(),
});

/** A date in a query: a Date over tRPC (superjson), an ISO 8601 string in a REST query string (coerced). */
export const dateParam = z.coerce.date({ message: "must be a date (ISO 8601)" });

/** A kind this Patchbay knows; `hint` says where the list is (the API's getKinds, or the list itself). */
export const knownKind = (hint: string) => z.string().refine((k) => getKind(k) !== undefined, { message: `unknown integration kind; ${hint}` });

/** A search engine's short name (the keyword typed before a query). */
export const searchEngineShort = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(32, "must be at most 32 characters")
  .regex(/^[a-z0-9_-]+$/i, "may contain letters, digits, _ and - only");

export const newSecrets = z.array(z.object({ kind: secretKind, value: secretValue }).strict()).max(8, "at most 8 secrets");
/** On update and re-test: a value null keeps the stored secret. */
export const keptSecrets = z.array(z.object({ kind: secretKind, value: secretValue.nullable() }).strict()).max(8, "at most 8 secrets");

/** integration.create (docs/api.md): the one definition; REST, MCP and provisioning derive from it. */
export const createIntegrationInput = z
  .object({
    name,
    kind: knownKind("see integration.getKinds"),
    url: serviceUrl,
    secrets: newSecrets,
    app: z.union([z.object({ id }).strict(), appFields.strict()]).nullish(),
    attemptSearchEngineCreation: z.boolean().optional(),
  })
  .strict();
export type CreateIntegrationInput = z.output<typeof createIntegrationInput>;
