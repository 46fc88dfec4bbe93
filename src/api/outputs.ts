import { z } from "zod";
import { GLOBAL_PERMISSIONS } from "../auth/permissions.js";
import { CATEGORIES, ERROR_CODES, SECRET_KINDS } from "../engine/types.js";
import { permissionLevel } from "../services/inputs.js";

/**
 * Output schemas of the procedures exposed as REST (OpenAPI) — exactly the shapes the services return.
 * tRPC validates every answer against them, so they are also a guard: a field that is not listed here
 * (a secret, a password hash) can never leave the server through these procedures.
 * Timestamps are Dates over tRPC (superjson) and ISO 8601 strings in the plain-JSON REST view.
 */

/**
 * tRPC validates with a schema's parseAsync when it has one, and zod's async parse costs 10–20× its sync
 * parse on long lists (12 ms against 0.7 ms for 3,000 list items on the bench machine). No schema here has an
 * async refinement or transform, so each exported one validates synchronously behind the async signature
 * (the same ZodError either way; an async check added later would fail loudly, not silently).
 */
function synchronous<T extends z.ZodType>(schema: T): T {
  const parseAsync: z.ZodType["parseAsync"] = async (data, params) => schema.parse(data, params);
  Object.assign(schema, { parseAsync });
  return schema;
}

const timestamp = z.date().meta({ description: "A timestamp (a Date over tRPC/superjson; an ISO 8601 string in REST/JSON)" });

export const accessFlagsOutput = synchronous(z
  .object({
    hasUseAccess: z.boolean().meta({ description: "Can use the integration (widgets, search)" }),
    hasInteractAccess: z.boolean().meta({ description: "Can interact with the integration (control devices)" }),
    hasFullAccess: z.boolean().meta({ description: "Can manage it: edit, delete, see public secrets and permissions" }),
  })
  .meta({ id: "IntegrationAccess", description: "The caller's effective access to this integration" }));

export const healthOutput = synchronous(z
  .object({
    status: z.enum(["ok", "failing", "unknown"]).meta({ description: "unknown: not checked yet" }),
    checkedAt: timestamp.nullable(),
    latencyMs: z.number().optional(),
    version: z.string().optional(),
    code: z.string().optional().meta({ description: "For failing: the connection-test error code (INVALID_CREDENTIALS, UNSUPPORTED_VERSION…)" }),
    message: z.string().optional(),
    warning: z.string().optional().meta({ description: "For ok: e.g. an HTTPS certificate that expires within 14 days" }),
  })
  .meta({ id: "IntegrationHealth", description: "The integration's last known health (background checks, manual tests, capability reads)" }));

export const integrationListItemOutput = synchronous(z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string().meta({ description: "Integration kind, see GET /kinds" }),
    url: z.string(),
    permissions: accessFlagsOutput,
    health: healthOutput,
  })
  .meta({ id: "IntegrationListItem" }));
export const integrationListOutput = synchronous(z.array(integrationListItemOutput));

export const appOutput = synchronous(z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    iconUrl: z.string(),
    href: z.string().nullable(),
    pingUrl: z.string().nullable(),
  })
  .meta({ id: "App" }));

export const integrationDetailOutput = synchronous(z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    url: z.string(),
    secrets: z.array(
      z.object({
        kind: z.enum(SECRET_KINDS),
        value: z.string().nullable().meta({ description: "Only for public secret kinds (username); null for every other kind" }),
        updatedAt: timestamp,
      }),
    ),
    app: appOutput.nullable(),
    permissions: accessFlagsOutput,
  })
  .meta({ id: "IntegrationDetail" }));

export const idKindListOutput = synchronous(z.array(z.object({ id: z.string(), kind: z.string() })));

const groupRef = z.object({ id: z.string(), name: z.string() });
export const integrationPermissionsOutput = synchronous(z
  .object({
    inherited: z.array(z.object({ group: groupRef, permission: permissionLevel })).meta({ description: "Levels groups get from global permissions" }),
    users: z.array(
      z.object({
        user: z.object({ id: z.string(), name: z.string(), username: z.string(), email: z.string().nullable(), image: z.string().nullable() }),
        permission: permissionLevel,
      }),
    ),
    groups: z.array(z.object({ group: groupRef, permission: permissionLevel })),
  })
  .meta({ id: "IntegrationPermissions" }));

export const testErrorOutput = synchronous(z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string().meta({ description: "What the user should do; never contains a secret" }),
    details: z.record(z.string(), z.unknown()).optional().meta({ description: "Facts such as statusCode, version, minVersion" }),
    certificate: z
      .object({
        subject: z.string(),
        issuer: z.string(),
        validFrom: z.string(),
        validTo: z.string(),
        fingerprint256: z.string(),
        selfSigned: z.boolean(),
        pem: z.string(),
      })
      .optional()
      .meta({ description: "For CERTIFICATE_ERROR: the server's certificate, so an admin can decide to trust it" }),
  })
  .meta({ id: "ConnectionTestError", description: "Why the connection test failed" }));

export const writeResultOutput = synchronous(z
  .union([
    z.object({
      id: z.string(),
      searchEngineId: z.string().optional().meta({ description: "Set when attemptSearchEngineCreation created a search engine" }),
    }),
    z.object({ error: testErrorOutput }),
  ])
  .meta({ id: "IntegrationWriteResult", description: "{id} when the connection test passed and everything was saved, else {error} and nothing was written" }));

export const testConnectionOutput = synchronous(z
  .union([z.object({ ok: z.literal(true), version: z.string().optional() }), z.object({ ok: z.literal(false), error: testErrorOutput })])
  .meta({ id: "ConnectionTestResult" }));

export const searchResultsOutput = synchronous(z.array(
  z
    .object({
      id: z.string(),
      name: z.string(),
      link: z.string().optional(),
      image: z.string().optional(),
      text: z.string().optional(),
      type: z.string().optional(),
    })
    .meta({ id: "SearchResult" }),
));

export const kindsOutput = synchronous(z.array(
  z
    .object({
      kind: z.string(),
      name: z.string(),
      categories: z.array(z.enum(CATEGORIES)),
      secretOptions: z
        .array(z.array(z.enum(SECRET_KINDS)))
        .meta({ description: "Alternatives: send exactly one of these sets of secrets (an empty set means no secret)" }),
      defaultPort: z.number().nullable(),
      supportsSearch: z.boolean(),
      iconUrl: z.string(),
      docsUrl: z.string(),
      minVersion: z.string().nullable(),
      capabilities: z.array(z.string()).meta({ description: "Capability routers this kind serves (downloads, dnsHole, calendar, …; docs/capabilities.md)" }),
    })
    .meta({ id: "Kind" }),
));

export const idOutput = synchronous(z.object({ id: z.string() }));
export const voidOutput = synchronous(z.void());

export const sessionOutput = synchronous(z
  .object({ user: z.object({ id: z.string(), username: z.string(), permissions: z.array(z.enum(GLOBAL_PERMISSIONS)) }) })
  .nullable()
  .meta({ id: "Session" }));
export const apiKeyCreatedOutput = synchronous(z.object({
  id: z.string(),
  token: z.string().meta({ description: "The API key itself; shown only in this answer" }),
}));
export const apiKeyListOutput = synchronous(z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable().meta({ description: "When the key stops working; null: until revoked" }),
  }),
));
export const sessionListOutput = synchronous(z.array(
  z
    .object({
      id: z.string().meta({ description: "Names the session for revokeSession; not its token" }),
      createdAt: timestamp,
      lastSeenAt: timestamp,
      expiresAt: timestamp.meta({ description: "When it ends if unused from now on: the earlier of its absolute end and the idle timeout" }),
      current: z.boolean().meta({ description: "The session making this request" }),
    })
    .meta({ id: "SessionInfo" }),
));

export const appListOutput = synchronous(z.array(appOutput));

export const searchEngineOutput = synchronous(z
  .object({
    id: z.string(),
    name: z.string(),
    short: z.string(),
    iconUrl: z.string(),
    type: z.enum(["generic", "fromIntegration"]),
    urlTemplate: z.string().nullable(),
    description: z.string().nullable(),
    integrationId: z.string().nullable(),
  })
  .meta({ id: "SearchEngine" }));
export const searchEngineListOutput = synchronous(z.array(searchEngineOutput));

export const healthHistoryOutput = synchronous(z.object({
  current: healthOutput,
  history: z.array(z.object({ at: timestamp, status: z.enum(["ok", "failing", "unknown"]), code: z.string().optional() })).meta({ description: "State changes in the range, oldest first" }),
  hourly: z.array(z.object({ hour: timestamp, checks: z.number(), failures: z.number(), avgLatencyMs: z.number().optional() })).meta({ description: "Hourly aggregates in the range" }),
}));

const deliveryOutput = z.object({
  id: z.string(),
  event: z.string(),
  at: timestamp,
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  responseStatus: z.number().nullable(),
  error: z.string().nullable(),
  finishedAt: timestamp.nullable(),
});
export const notificationDeliveryOutput = synchronous(deliveryOutput);
export const notificationListOutput = synchronous(z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    type: z.enum(["webhook", "ntfy", "gotify", "discord", "slack"]),
    url: z.string().meta({ description: "Without credentials; the token part of Discord/Slack/ntfy URLs is shortened" }),
    hasSecret: z.boolean(),
    events: z.array(z.string()),
    createdAt: timestamp,
    updatedAt: timestamp,
    deliveries: z.array(deliveryOutput).meta({ description: "The last 20 deliveries, newest first" }),
  }),
));
