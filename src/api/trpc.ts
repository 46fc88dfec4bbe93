import { initTRPC, TRPCError } from "@trpc/server";
import { errorBody } from "./error-body.js";
import type { OpenApiMeta } from "trpc-to-openapi";
import type { GlobalPermission } from "../auth/permissions.js";
import type { Caller, Deps } from "../services/deps.js";
import { requireGlobal } from "../services/access.js";
import { fieldError } from "../services/errors.js";
import { mapResultErrors } from "./errors.js";
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

// Meta carries the REST/OpenAPI route of a procedure (src/server/rest.ts); it changes nothing over tRPC.
const t = initTRPC.context<Context>().meta<OpenApiMeta>().create({
  transformer,
  // The same code, message, issues and upstream error as REST and MCP: one mapper (src/api/error-body.ts).
  errorFormatter({ shape, error }) {
    const { body } = errorBody(error);
    const extra = { ...(body.issues ? { issues: body.issues } : {}), ...(body.upstream ? { upstream: body.upstream } : {}) };
    return { ...shape, message: body.message, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...extra } };
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
