import fs from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../api/trpc.js";
import { errorBody, type ErrorBody } from "../api/error-body.js";
import type { Deps } from "../services/deps.js";
import { fieldError } from "../services/errors.js";
import { contextFromRequest } from "./context.js";
import { callProcedure } from "./procedures.js";
import { buildOpenApiDocument, DOCS_ASSETS, DOCS_CSP, DOCS_HTML, DOCS_INIT } from "./openapi.js";
import { notInstalled, packageDir } from "./optional.js";
import { matchRoute, restRoutes, type RestRoute } from "./rest-routes.js";

/**
 * The REST view of the API (plain JSON, API-key auth): each route calls its procedure through the same
 * context builder (src/server/context.ts), middleware and error mapper (src/api/error-body.ts) as tRPC and MCP.
 *
 * Requests are dispatched here, through a tRPC caller, rather than by trpc-to-openapi's own adapter: that
 * adapter switches `coerce` on in the procedures' shared zod input schemas at request time (so
 * `"attemptSearchEngineCreation": "false"` became `true`, over REST and over tRPC alike). Here only
 * query-string values are converted, into copies, and the schemas stay untouched.
 */

/** Query-string values are strings: numbers and booleans are converted where the input field expects them. */
function fromQuery(types: RestRoute["queryTypes"], query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const type = types[key];
    if (typeof value === "string" && type === "number" && value.trim() !== "" && Number.isFinite(Number(value))) out[key] = Number(value);
    else if (typeof value === "string" && type === "boolean" && (value === "true" || value === "false")) out[key] = value === "true";
    else out[key] = value;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The procedure input of a request: path parameters with the query (GET, DELETE) or with the JSON body. */
function inputOf(route: RestRoute, params: Record<string, string>, req: FastifyRequest): unknown {
  if (!route.input) return undefined;
  if (route.method === "GET" || route.method === "DELETE") return { ...fromQuery(route.queryTypes, (req.query ?? {}) as Record<string, unknown>), ...params };
  if (route.wholeBody) return req.body;
  const body = req.body ?? {};
  if (!isPlainObject(body)) throw fieldError("BAD_REQUEST", "body", "must be a JSON object");
  return { ...body, ...params };
}

async function handle(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  let found: ReturnType<typeof matchRoute>;
  try {
    const method = req.method === "HEAD" ? "GET" : req.method;
    found = matchRoute(await restRoutes(), method, req.url.split("?")[0]!.slice("/api".length));
  } catch (e) {
    if (!(e instanceof URIError)) throw e;
    return send(reply, errorBody(fieldError("BAD_REQUEST", "path", "not valid percent-encoding")));
  }
  if (!found) return send(reply, errorBody(new TRPCError({ code: "NOT_FOUND", message: "Not found" })));
  const { route, params } = found;
  let ctx: Context | undefined;
  try {
    const input = inputOf(route, params, req);
    ctx = await contextFromRequest(deps, req, reply, { cookies: false });
    const data = await callProcedure(ctx, route.procedurePath, input);
    if (route.voidOutput) return reply.code(204).send();
    return reply.code(200).type("application/json; charset=utf-8").send(JSON.stringify(data ?? null));
  } catch (cause) {
    const failure = errorBody(cause);
    if (failure.body.code === "INTERNAL_SERVER_ERROR") deps.log.error({ err: cause, path: route.procedurePath }, "REST call failed");
    return send(reply, failure);
  }
}

function send(reply: FastifyReply, { status, body }: { status: number; body: ErrorBody }) {
  if (status === 401) reply.header("www-authenticate", 'ApiKey realm="patchbay", Bearer realm="patchbay"');
  return reply.code(status).type("application/json; charset=utf-8").send(JSON.stringify(body));
}

/** Registers the REST routes, /api/openapi.json and /api/docs. */
export async function registerRest(app: FastifyInstance, deps: Deps) {
  let document: string | undefined;
  // swagger-ui-dist: the maintained static build of Swagger UI, served from node_modules when installed
  // (an optional package: src/server/optional.ts).
  const swaggerDir = packageDir("swagger-ui-dist");

  await app.register(async (scope) => {
    // Every REST route, found in the route table (built on first use: src/server/rest-routes.ts). Fastify's
    // own routes (/api/trpc, /api/mcp, /api/health, the document and docs below) are more specific and win;
    // malformed bodies, wrong content types and too large bodies are answered by src/server/limits.ts.
    scope.route({ method: ["GET", "POST", "PUT", "PATCH", "DELETE"], url: "/api/*", handler: (req, reply) => handle(deps, req, reply) });

    scope.get("/api/openapi.json", async (_req, reply) => {
      document ??= JSON.stringify(await buildOpenApiDocument());
      // Readable cross-site only when configured (PATCHBAY_OPENAPI_CORS_ORIGIN): it maps the whole API surface.
      if (deps.config.openapiCorsOrigin) reply.header("access-control-allow-origin", deps.config.openapiCorsOrigin).header("vary", "origin");
      return reply.type("application/json; charset=utf-8").send(document);
    });

    scope.get("/api/docs", async (_req, reply) =>
      swaggerDir
        ? reply.type("text/html; charset=utf-8").header("content-security-policy", DOCS_CSP).send(DOCS_HTML)
        : reply.code(503).type("text/plain; charset=utf-8").send(`${notInstalled("Swagger UI", "swagger-ui-dist")}. The OpenAPI document is at /api/openapi.json.\n`),
    );
    scope.get("/api/docs/init.js", async (_req, reply) => reply.type("text/javascript; charset=utf-8").send(DOCS_INIT));
    scope.get<{ Params: { file: string } }>("/api/docs/:file", async (req, reply) => {
      const type = DOCS_ASSETS[req.params.file];
      if (!type || !swaggerDir) return send(reply, errorBody(new TRPCError({ code: "NOT_FOUND", message: "Not found" })));
      return reply
        .type(type)
        .header("cache-control", "public, max-age=86400")
        .send(fs.createReadStream(path.join(swaggerDir, req.params.file)));
    });
  });
}
