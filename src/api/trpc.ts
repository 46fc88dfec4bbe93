import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import type { GlobalPermission } from "../auth/permissions.js";
import type { Caller, Deps } from "../services/deps.js";
import { UpstreamError } from "../services/integrations.js";
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

/**
 * "secrets[0].kind: Invalid option…" — every validation message names its field. For a union (e.g.
 * testConnection by kind or by id) the branch that came closest explains the problem.
 */
export function formatIssues(issues: Issue[], prefix: PropertyKey[] = []): string {
  return issues
    .map((i) => {
      const path = [...prefix, ...(i.path ?? [])];
      if (i.code === "invalid_union" && i.errors?.length) {
        const closest = [...i.errors].sort((a, b) => a.length - b.length)[0]!;
        if (closest.length) return formatIssues(closest, path);
      }
      const name = path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
      return `${name || "input"}: ${i.message}`;
    })
    .join("; ");
}

// Meta carries the REST/OpenAPI route of a procedure (src/server/rest.ts); it changes nothing over tRPC.
const t = initTRPC.context<Context>().meta<OpenApiMeta>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const cause = error.cause as { issues?: Issue[] } | undefined;
    let message = shape.message;
    if (error.code === "BAD_REQUEST" && cause && Array.isArray(cause.issues)) message = formatIssues(cause.issues);
    // Internal errors never show their text: it may hold SQL or stored values. The log has the details.
    if (error.code === "INTERNAL_SERVER_ERROR") message = "Internal server error";
    const upstream = error instanceof UpstreamError ? error.upstream : undefined;
    return {
      ...shape,
      message,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...(upstream ? { upstream } : {}) },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every procedure goes through the CSRF guard: a cookie-authenticated mutation from another origin is refused. */
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
export const publicProcedure = t.procedure.use(async ({ ctx, type, next, getRawInput }) => {
  if (type === "mutation" && ctx.sessionToken && ctx.crossSite) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused" });
  }
  const bad = nulPath(await getRawInput());
  if (bad) throw new TRPCError({ code: "BAD_REQUEST", message: `${bad}: must not contain NUL characters` });
  return next();
});

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.caller.user;
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send an API key" });
  return next({ ctx: { ...ctx, user } });
});

export function requirePermission(permission: GlobalPermission) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!ctx.caller.permissions.has(permission)) throw new TRPCError({ code: "FORBIDDEN", message: `Missing permission: ${permission}` });
    return next();
  });
}
