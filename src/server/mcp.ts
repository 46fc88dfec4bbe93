import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { Context } from "../api/trpc.js";
import { CATEGORIES, ERROR_CODES, SECRET_KINDS } from "../engine/types.js";
import type { Deps } from "../services/deps.js";
import { CAPABILITIES } from "../services/capability-table.js";
import { errorBody } from "../api/error-body.js";
import { contextFromRequest } from "./context.js";
import { callProcedure } from "./procedures.js";
import { isModuleNotFound, notInstalled } from "./optional.js";

/**
 * MCP (Model Context Protocol) over Streamable HTTP at /api/mcp, stateless: every POST gets a fresh server and
 * transport. The API key's user is the caller of every tool, and every tool goes through the tRPC router
 * (createCaller), so an MCP client can do exactly what that user can do over tRPC or REST — no more.
 */

const ERROR_SHAPE = `{error: {code, message, details?, certificate?}} where code is one of ${ERROR_CODES.join(", ")} and message says what to fix`;

function jsonResult(value: unknown): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value ?? null, null, 2) }] };
}

/** Runs one procedure as the key's user; a refused or invalid call becomes a tool error the model can read. */
async function run(ctx: Context, procedurePath: string, input: unknown, map: (data: unknown) => unknown = (d) => d): Promise<CallToolResult> {
  try {
    return jsonResult(map(await callProcedure(ctx, procedurePath, input)));
  } catch (cause) {
    const { body } = errorBody(cause);
    if (body.code === "INTERNAL_SERVER_ERROR") ctx.deps.log.error({ err: cause, path: procedurePath }, "MCP tool failed");
    const extra = body.upstream ? `\n${JSON.stringify({ upstream: body.upstream })}` : "";
    // The text for the model; the same body as REST's error (code, message, issues, upstream) as structured data.
    return { isError: true, content: [{ type: "text", text: `${body.code}: ${body.message}${extra}` }], structuredContent: { ...body } };
  }
}

const secretInput = z.object({
  kind: z.enum(SECRET_KINDS).describe("Secret kind"),
  value: z.string().describe("The secret value"),
});

/** The SDK is loaded on the first MCP request: most instances never get one (~25 MB, ~0.1 s saved at start). */
let sdk:
  | Promise<[typeof import("@modelcontextprotocol/sdk/server/mcp.js"), typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js"), typeof import("@modelcontextprotocol/sdk/types.js")]>
  | undefined;
const loadSdk = () =>
  (sdk ??= Promise.all([import("@modelcontextprotocol/sdk/server/mcp.js"), import("@modelcontextprotocol/sdk/server/streamableHttp.js"), import("@modelcontextprotocol/sdk/types.js")]));

type ToolHandler = (args: Record<string, unknown>) => Promise<CallToolResult>;

export async function buildMcpServer(ctx: Context): Promise<McpServer> {
  const [{ McpServer }, , { CallToolRequestSchema }] = await loadSdk();
  const mcp = new McpServer({ name: "patchbay", version: "1.0.0" }, { capabilities: { tools: {} } });
  // Each tool's schema describes its arguments (tools/list); the handlers are kept to be called directly (below).
  const handlers = new Map<string, ToolHandler>();
  const server = {
    registerTool: ((name: string, config: never, handler: ToolHandler) => {
      handlers.set(name, handler);
      return mcp.registerTool(name, config, handler as never);
    }) as unknown as McpServer["registerTool"],
  };

  server.registerTool(
    "getKinds",
    {
      title: "Integration kinds",
      description:
        "List every integration kind Patchbay supports: {kind, name, categories, secretOptions, defaultPort, supportsSearch, iconUrl, docsUrl, minVersion}. " +
        "secretOptions is a list of ALTERNATIVES: to create an integration send exactly one of these sets of secret kinds, not all of them " +
        '(e.g. qBittorrent [["username","password"],["apiKey"]] means either username+password or apiKey; [] means no secret). ' +
        `Categories: ${CATEGORIES.join(", ")}.`,
      annotations: { readOnlyHint: true },
    },
    () => run(ctx, "integration.getKinds", undefined),
  );

  server.registerTool(
    "all",
    {
      title: "List integrations",
      description:
        "Every integration the API key's user can at least use: [{id, name, kind, url, permissions: {hasUseAccess, hasInteractAccess, hasFullAccess}}], sorted by kind then name. Never contains secrets.",
      annotations: { readOnlyHint: true },
    },
    () => run(ctx, "integration.all", undefined),
  );

  server.registerTool(
    "search",
    {
      title: "Find integrations by name",
      description: "Integrations the user can use whose name contains the query (case-insensitive), sorted by name. Same item shape as `all`.",
      inputSchema: {
        query: z.string().describe("Part of the integration name"),
        limit: z.number().int().min(1).max(100).optional().describe("At most this many results (1–100, default 10)"),
      },
      annotations: { readOnlyHint: true },
    },
    (args) => run(ctx, "integration.search", args),
  );

  server.registerTool(
    "byId",
    {
      title: "Integration details",
      description:
        "One integration: {id, name, kind, url, secrets: [{kind, value, updatedAt}], app, permissions}. Needs full access to it. Secret values are returned only for public kinds (username); every other value is null. A missing id and one the user may not see both answer NOT_FOUND.",
      inputSchema: { id: z.string().describe("Integration id") },
      annotations: { readOnlyHint: true },
    },
    (args) => run(ctx, "integration.byId", args),
  );

  server.registerTool(
    "create",
    {
      title: "Create an integration",
      description:
        "Create an integration after a connection test. Needs the integration-create permission. `secrets` must match exactly ONE of the kind's secretOptions from getKinds (they are alternatives). " +
        `The connection test runs first: if it fails, nothing is saved and the result is ${ERROR_SHAPE}. ` +
        "On success the result is {id} (plus searchEngineId when attemptSearchEngineCreation created a search engine). The creator gets full access.",
      inputSchema: {
        name: z.string().describe("Display name (1–127 characters)"),
        kind: z.string().describe("Integration kind from getKinds, e.g. sonarr"),
        url: z.string().describe("Base URL of the service, http:// or https://, without credentials, e.g. http://192.168.1.10:8989"),
        secrets: z.array(secretInput).describe("Exactly one of the kind's secret options, e.g. [{kind: 'apiKey', value: '…'}]"),
        appId: z.string().optional().describe("Optional id of an existing app to link"),
        attemptSearchEngineCreation: z.boolean().optional().describe("Also create a search engine when the kind supports search (default false)"),
      },
    },
    ({ appId, ...rest }) => run(ctx, "integration.create", { ...rest, ...(appId ? { app: { id: appId } } : {}) }),
  );

  server.registerTool(
    "testConnection",
    {
      title: "Test a connection",
      description:
        "Run a connection test without saving anything. Either give kind + url + secrets (needs integration-create; secrets must match exactly one of the kind's secretOptions), " +
        "or the id of a saved integration (needs full access) with optional url/secrets overrides, where a secret value null keeps the stored one. " +
        `Result: {ok: true, version?} or {ok: false, error} with error as in ${ERROR_SHAPE}.`,
      inputSchema: {
        id: z.string().optional().describe("Saved integration to test (instead of kind)"),
        kind: z.string().optional().describe("Integration kind (when testing unsaved settings)"),
        url: z.string().optional().describe("Base URL (required with kind; optional override with id)"),
        secrets: z
          .array(z.object({ kind: z.enum(SECRET_KINDS), value: z.string().nullable() }))
          .optional()
          .describe("Secrets (required with kind; with id a value null keeps the stored secret)"),
      },
    },
    ({ id, kind, url, secrets }) =>
      run(
        ctx,
        "integration.testConnection",
        id !== undefined ? { id, ...(url !== undefined ? { url } : {}), ...(secrets !== undefined ? { secrets } : {}) } : { kind, url, secrets },
      ),
  );

  server.registerTool(
    "delete",
    {
      title: "Delete an integration",
      description: "Delete an integration with its secrets, permission rows and search engines (a linked app stays). Needs full access. Result: {deleted: id}.",
      inputSchema: { id: z.string().describe("Integration id") },
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    (args) => run(ctx, "integration.delete", args, () => ({ deleted: args.id })),
  );

  server.registerTool(
    "searchInIntegration",
    {
      title: "Search inside a service",
      description:
        "Search inside the service behind an integration (kinds with supportsSearch, e.g. Sonarr series lookup, Jellyfin library). Needs use access. " +
        "Result: [{id, name, link?, image?, text?, type?}]. An unreachable service gives a BAD_GATEWAY error and a slow one GATEWAY_TIMEOUT, with the connection-test error attached.",
      inputSchema: {
        integrationId: z.string().describe("Integration id"),
        query: z.string().describe("What to search for (1–200 characters)"),
        limit: z.number().int().min(1).max(100).optional().describe("At most this many results (default 20)"),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) => run(ctx, "integration.searchInIntegration", args),
  );

  server.registerTool(
    "health",
    {
      title: "Integration health",
      description:
        "Current health of one integration ({status: ok|failing|unknown, checkedAt, latencyMs?, version?, code?, message?, warning?}) and its history [{at, status, code?}] between from and to (default: the last 7 days). Needs use access.",
      inputSchema: {
        id: z.string().describe("Integration id"),
        from: z.string().optional().describe("ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z"),
        to: z.string().optional().describe("ISO 8601 date-time"),
      },
      annotations: { readOnlyHint: true },
    },
    (args) => run(ctx, "integration.health", args),
  );

  server.registerTool(
    "checkNow",
    {
      title: "Check an integration now",
      description: "Run the connection test of a saved integration now and record it as its health. Needs interact access (use only → FORBIDDEN). Result: the new health.",
      inputSchema: { id: z.string().describe("Integration id") },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (args) => run(ctx, "integration.checkNow", args),
  );

  registerAuditTools(server, ctx);
  registerCapabilityTools(server, ctx);
  // Arguments go to the procedure unchecked by the SDK: its input schema is the one set of rules, so a refused
  // argument is the same structured BAD_REQUEST (code, message, issues) as over tRPC and REST, not the SDK's
  // own text. (Replaces McpServer's tools/call handler through the public Server API; tools/list stays its own.)
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const handler = handlers.get(request.params.name);
    if (!handler) return { isError: true, content: [{ type: "text", text: `Tool ${request.params.name} not found` }] };
    return handler(request.params.arguments ?? {});
  });
  return mcp;
}

const AUDIT_ENTRY =
  "{items: [{id, at, actor: {type: user|apiKey|operator|provisioning, id?, name}, action, target?: {type, id, name?}, ip?, changes?, outcome: ok|error}], nextCursor} — newest first; pass nextCursor as cursor for the next page. Never contains a secret.";
const auditPage = {
  limit: z.number().int().min(1).max(200).optional().describe("Entries per page (1–200, default 50)"),
  cursor: z.string().optional().describe("nextCursor of the previous page"),
};

/** The audit log (README "Audit log"), read-only: the whole log for admins, one integration's history for its full users. */
function registerAuditTools(server: Pick<McpServer, "registerTool">, ctx: Context) {
  server.registerTool(
    "audit_list",
    {
      title: "Audit log",
      description: `Who changed or controlled what, when and from where. Needs admin (anyone else: FORBIDDEN). Filters combine. Result: ${AUDIT_ENTRY}`,
      inputSchema: {
        ...auditPage,
        actorId: z.string().optional().describe("Only entries of this user (id)"),
        integrationId: z.string().optional().describe("Only entries about this integration"),
        action: z.string().optional().describe("Only this action, e.g. integration.update, downloads.pause, auth.loginFailed"),
        from: z.string().optional().describe("ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z"),
        to: z.string().optional().describe("ISO 8601 date-time (inclusive)"),
      },
      annotations: { readOnlyHint: true },
    },
    (args) => run(ctx, "audit.list", args),
  );
  server.registerTool(
    "audit_integration",
    {
      title: "Integration history",
      description: `The audit entries of one integration. Needs full access to it (otherwise NOT_FOUND, as for a missing id). Result: ${AUDIT_ENTRY}`,
      inputSchema: { integrationId: z.string().describe("Integration id"), ...auditPage },
      annotations: { readOnlyHint: true },
    },
    (args) => run(ctx, "audit.integration", args),
  );
}

/** A field that accepts a Date (the table's `dateInput`): a z.date() or a union with a z.date() member. */
function acceptsDate(field: z.ZodType): boolean {
  return field instanceof z.ZodDate || (field instanceof z.ZodUnion && field.options.some((o) => o instanceof z.ZodDate));
}

/** MCP inputs are plain JSON (and JSON Schema has no Date): a date is an ISO 8601 string there; the procedure converts it. */
function mcpShape(shape: Record<string, z.ZodType>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(shape).map(([k, f]) => [k, acceptsDate(f) ? z.string().describe(`${f.description ?? k}: ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z`) : f]),
  );
}

/**
 * A tool per capability read and action (docs/capabilities.md), generated from the same table as the routers
 * and calling the same procedures as the key's user: reads need use, actions interact.
 */
function registerCapabilityTools(server: Pick<McpServer, "registerTool">, ctx: Context) {
  const envelopeText =
    "Result: one envelope per integration, in input order: {integration:{id,name,kind}, updatedAt, data} or {integration, error:{code, message}} when that service failed (CONNECTION_REFUSED, INVALID_CREDENTIALS, TIMEOUT…).";
  for (const [cap, def] of Object.entries(CAPABILITIES)) {
    const read = def.read;
    server.registerTool(
      `${cap}_${read.name}`,
      {
        title: `${cap}: ${read.summary}`,
        description: `${read.summary} — from the user's ${def.services}. Needs use access. integrationIds omitted → every integration of that kind the user can use. ${envelopeText}`,
        inputSchema: {
          integrationIds: z.array(z.string()).optional().describe("Integration ids (from `all`); omitted → all the user can use with this capability"),
          ...mcpShape(read.input as Record<string, z.ZodType>),
        },
        annotations: { readOnlyHint: true, openWorldHint: true },
      },
      (args) => run(ctx, `${cap}.${read.name}`, args),
    );
    for (const [name, action] of Object.entries(def.actions as Record<string, { input: Record<string, z.ZodType>; summary: string; does: string }>)) {
      server.registerTool(
        `${cap}_${name}`,
        {
          title: `${cap}: ${action.summary}`,
          description: `${action.does} (${def.services}.) Needs interact access to the integration (use only → FORBIDDEN). Result: {ok: true} once the service confirmed it, or {error:{code, message}}.`,
          inputSchema: mcpShape(action.input),
          annotations: { readOnlyHint: false, destructiveHint: name === "remove", openWorldHint: true },
        },
        (args) => run(ctx, `${cap}.${name}`, args),
      );
    }
  }
}

function methodNotAllowed(reply: FastifyReply) {
  return reply
    .code(405)
    .header("allow", "POST")
    .send({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this MCP endpoint is stateless; use POST" }, id: null });
}

/** Registers POST /api/mcp (and GET/DELETE → 405, so no client waits on an SSE stream that never comes). */
export async function registerMcp(app: FastifyInstance, deps: Deps) {
  app.post("/api/mcp", async (req, reply) => {
    const ctx = await contextFromRequest(deps, req, reply, { cookies: false });
    if (!ctx.caller.user) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="patchbay"')
        .send({ jsonrpc: "2.0", error: { code: -32001, message: "Send an API key in the ApiKey header or as Authorization: Bearer <key>" }, id: null });
    }
    try {
      await loadSdk();
    } catch (e) {
      if (!isModuleNotFound(e)) throw e;
      sdk = undefined; // installed later: the next request tries again
      return reply.code(501).send({ jsonrpc: "2.0", error: { code: -32601, message: notInstalled("MCP", "@modelcontextprotocol/sdk") }, id: null });
    }
    const server = await buildMcpServer(ctx);
    const [, { StreamableHTTPServerTransport }] = await loadSdk();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      deps.log.error({ err }, "MCP request failed");
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { "content-type": "application/json" });
        reply.raw.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: "Internal server error" }, id: null }));
      }
    }
  });
  app.get("/api/mcp", (_req, reply) => methodNotAllowed(reply));
  app.delete("/api/mcp", (_req, reply) => methodNotAllowed(reply));
}
