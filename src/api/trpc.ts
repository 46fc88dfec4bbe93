import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import type { GlobalPermission } from "../auth/permissions.js";
import type { Caller, Deps } from "../services/deps.js";
import { requireGlobal } from "../services/access.js";
import { fieldError, type FieldIssue } from "../services/errors.js";
import { domainIssues, mapResultErrors, upstreamOf } from "./errors.js";
import { transformer } from "./transformer.js";

export interface Context {
  deps: Deps;
  caller: Caller;
  ip: string;
  sessionToken: string | undefined;
  /** The request carries an Origin/Referer of another site (cross-site request forgery guard). */
  crossSite: boolean;
  setSessionCookie(token: string | null): void;
}

type Issue = { path?: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

/** "secrets[0].kind" from ["secrets", 0, "kind"]; "input" for the input as a whole. */
function pathText(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "") || "input";
}

/**
 * zod's issues as one `{path, message}` per field. For a union (e.g. testConnection by kind or by id) the
 * branch that came closest explains the problem.
 */
export function flattenIssues(issues: Issue[], prefix: PropertyKey[] = []): FieldIssue[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...(i.path ?? [])];
    if (i.code === "invalid_union" && i.errors?.length) {
      const closest = [...i.errors].sort((a, b) => a.length - b.length)[0]!;
      if (closest.length) return flattenIssues(closest, path);
    }
    return [{ path: pathText(path), message: i.message }];
  });
}

/** The field issues of an error: zod's (invalid input) or a service's field error (src/services/errors.ts). */
function issuesOf(error: TRPCError): readonly FieldIssue[] | undefined {
  const own = domainIssues(error);
  if (own) return own;
  const cause = error.cause as { issues?: Issue[] } | undefined;
  if (error.code === "BAD_REQUEST" && cause && Array.isArray(cause.issues)) return flattenIssues(cause.issues);
  return undefined;
}

// Meta carries the REST/OpenAPI route of a procedure (src/server/rest.ts); it changes nothing over tRPC.
const t = initTRPC.context<Context>().meta<OpenApiMeta>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const issues = issuesOf(error);
    let message = shape.message;
    if (issues && !domainIssues(error)) message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    // Internal errors never show their text: it may hold SQL or stored values. The log has the details.
    if (error.code === "INTERNAL_SERVER_ERROR") message = "Internal server error";
    const upstream = upstreamOf(error);
    return {
      ...shape,
      message,
      // issues: each problem with its field, so clients put it next to the input without parsing the message.
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...(issues ? { issues } : {}), ...(upstream ? { upstream } : {}) },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Path of the first string holding a NUL character (PostgreSQL cannot store one), e.g. "secrets[0].value". */
export function nulPath(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path || "input" : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPath(value[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = nulPath(k, path ? `${path}.${k}` : k) ?? nulPath(v, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}

/**
 * Every procedure goes through two guards: a cookie-authenticated mutation from another origin is refused
 * (CSRF), and text with NUL characters is a BAD_REQUEST on every database instead of a 500 on PostgreSQL.
 */
export const publicProcedure = t.procedure
  // The services' domain errors become tRPC errors here, once for every procedure (src/api/errors.ts).
  .use(async ({ next }) => mapResultErrors(await next()))
  .use(async ({ ctx, type, next, getRawInput }) => {
  if (type === "mutation" && ctx.sessionToken && ctx.crossSite) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused" });
  }
  const bad = nulPath(await getRawInput());
  if (bad) throw fieldError("BAD_REQUEST", bad, "must not contain NUL characters");
  return next();
  });

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.caller.user;
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send an API key" });
  return next({ ctx: { ...ctx, user } });
});

/**
 * A procedure that needs a global permission as a whole. The check is the permission module's
 * (src/services/access.ts, `requireGlobal`, the same one services use for checks that depend on the input);
 * it runs here, before input validation, so a caller without the permission learns nothing from the
 * validation messages. REST and MCP call the same procedures; the CLI acts as the operator (an admin).
 */
export function requirePermission(permission: GlobalPermission) {
  return protectedProcedure.use(({ ctx, next }) => {
    requireGlobal(ctx.caller, permission);
    return next();
  });
}
