import cookie from "@fastify/cookie";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import { appRouter, type AppRouter } from "../api/root.js";
import type { Context } from "../api/trpc.js";
import { resolveCaller, SESSION_TTL_MS } from "../services/auth.js";
import { onAuditRecorded, startAuditPruning } from "../services/audit.js";
import { notifyEvent } from "../services/notifications.js";
import type { Deps } from "../services/deps.js";
import { sql } from "kysely";
import { httpServerOptions, registerRequestLimits } from "./limits.js";
import { closeCapabilities } from "../services/capabilities.js";
import { registerMcp } from "./mcp.js";
import { registerRest } from "./rest.js";

export const SESSION_COOKIE = "patchbay_session";

function apiKeyOf(req: FastifyRequest): string | undefined {
  const header = req.headers["apikey"];
  if (typeof header === "string" && header) return header.trim();
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "").trim();
  return undefined;
}

function isCrossSite(req: FastifyRequest): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (!source || source === "null") return Boolean(req.headers.origin === "null");
  try {
    return new URL(source).host !== req.headers.host;
  } catch {
    return true;
  }
}

/**
 * TRUST_PROXY for Fastify: a hop count trusts that many addresses from the socket inwards (Fastify 5 itself
 * treats a number as "trust nothing"); a list is compiled by proxy-addr. The client address is then the first
 * untrusted one, so an X-Forwarded-For entry the client wrote itself is never taken as its address.
 */
export function trustProxyOption(value: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== "number") return value;
  return (_address, hop) => hop < value;
}

/** Builds the HTTP server: tRPC at /api/trpc, health at /api/health. */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    routerOptions: { maxParamLength: 5000 },
    bodyLimit: deps.config.bodyLimit,
    trustProxy: trustProxyOption(deps.config.trustProxy),
    requestTimeout: deps.config.requestTimeoutMs,
    http: httpServerOptions(deps.config),
  });
  registerRequestLimits(app, deps.config); // body size/type, trickling bodies, JSON depth, nosniff (src/server/limits.ts)
  // No access log line per request unless LOG_LEVEL is debug/trace: quiet logs on a small box, and two log
  // writes per request were a third of the cost of a small API call. Errors and warnings are always logged.
  const routeLevel = (["debug", "trace"].includes(deps.config.logLevel) ? deps.config.logLevel : "warn") as "debug" | "trace" | "warn";
  app.addHook("onRoute", (route) => {
    if (!route.logLevel) route.logLevel = routeLevel;
  });
  await app.register(cookie, { secret: deps.keyring.deriveSubkey("patchbay-cookie-signing") });

  app.get("/api/health", async (_req, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return { status: "ok" };
    } catch {
      return reply.code(503).send({ status: "unavailable" });
    }
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: "/api/trpc",
    trpcOptions: {
      router: appRouter,
      // Every call in a batch runs (and each login counts); beyond this a batch is refused with 400.
      maxBatchSize: deps.config.maxBatchSize,
      async createContext({ req, res }): Promise<Context> {
        const raw = req.cookies[SESSION_COOKIE];
        const unsigned = raw ? req.unsignCookie(raw) : undefined;
        const sessionToken = unsigned?.valid ? (unsigned.value ?? undefined) : undefined;
        const apiKey = apiKeyOf(req);
        const caller = await resolveCaller(deps.db, apiKey ? { apiKey } : { sessionToken }, { sessionIdleMs: deps.config.sessionIdleDays * 86_400_000, ip: req.ip });
        return {
          deps,
          caller,
          ip: req.ip,
          sessionToken: apiKey ? undefined : sessionToken,
          crossSite: isCrossSite(req),
          setSessionCookie(token) {
            const secure = req.protocol === "https";
            if (token) {
              res.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", secure, signed: true, maxAge: SESSION_TTL_MS / 1000 });
            } else {
              res.clearCookie(SESSION_COOKIE, { path: "/" });
            }
          },
        };
      },
      onError({ error, path }) {
        if (error.code === "INTERNAL_SERVER_ERROR") deps.log.error({ err: error.cause ?? error, path }, "procedure failed");
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  // The capability cache's sweeper and the watch pollers stop with the server.
  app.addHook("onClose", async () => closeCapabilities(deps));
  // Audit retention (PATCHBAY_AUDIT_RETENTION_DAYS): pruned at start and hourly while the server runs.
  const stopAuditPruning = startAuditPruning(deps);
  app.addHook("onClose", async () => stopAuditPruning());
  // Every audit entry of this instance's database goes to the notification targets that asked for "audit".
  const stopAuditNotices = onAuditRecorded((entry, db) => (db === deps.db ? notifyEvent(deps, "audit", { audit: { ...entry } }) : undefined));
  app.addHook("onClose", async () => void stopAuditNotices());
  await registerRest(app, deps); // REST + /api/openapi.json + /api/docs (src/server/rest.ts)
  await registerMcp(app, deps); // MCP (Streamable HTTP, stateless) at /api/mcp (src/server/mcp.ts)
  await (await import("./static.js")).registerWebUi(app); // web UI at / with SPA fallback (src/server/static.ts)
  return app;
}
