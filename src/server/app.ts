import cookie from "@fastify/cookie";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { appRouter, type AppRouter } from "../api/root.js";
import { onAuditRecorded, startAuditPruning } from "../services/audit.js";
import { notifyEvent } from "../services/notifications.js";
import type { Deps } from "../services/deps.js";
import { sql } from "kysely";
import { httpServerOptions, registerRequestLimits } from "./limits.js";
import { closeCapabilities } from "../services/capabilities.js";
import { registerMcp } from "./mcp.js";
import { registerRest } from "./rest.js";
import { contextFromRequest, trustProxyOption } from "./context.js";

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
      // The one context builder of every surface (src/server/context.ts); tRPC also reads the session cookie.
      createContext: ({ req, res }) => contextFromRequest(deps, req, res, { cookies: true }),
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
