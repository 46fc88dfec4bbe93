import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/api/root.js";
import type { GlobalPermission } from "../../src/auth/permissions.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";
import { liveClient } from "../capabilities/harness.js";
import { errorOf, makeClient, startPatchbay, type Client, type TestServer } from "../helpers/patchbay.js";

/**
 * The procedures added after the foundation matrix (test/api/authorization-matrix.test.ts) — notification.*,
 * dashboard.*, audit.*, integration.health and integration.checkNow — × the eight kinds of caller × every
 * surface that exposes them: tRPC with a session cookie, tRPC with an API key, REST (API key) and MCP (API key).
 * Each cell is the exact answer: "ok" or the error code (REST: the HTTP status's code; MCP: the tool error's).
 * A procedure of these routers that is missing here fails the first test.
 */
type Who = "anonymous" | "noRights" | "use" | "interact" | "fullRow" | "fullGroup" | "fullAll" | "admin";
const WHO: Who[] = ["anonymous", "noRights", "use", "interact", "fullRow", "fullGroup", "fullAll", "admin"];
type Cell = "ok" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST";
type Surface = "trpc-session" | "trpc-key" | "rest" | "mcp";

let s: TestServer;
let sonarr: ArrEmulator;
let hook: FakeServer;
const KEY = "surface-matrix-sonarr-key";
const sessions = {} as Record<Who, Client>;
const keyClients = {} as Record<Who, Client>;
const apiKeys = {} as Partial<Record<Who, string>>;
const ids = {} as Record<Who, string>;
const mcp = {} as Partial<Record<Who, McpClient>>;
const mcpOpen: McpClient[] = [];
/** The integration every row is about, shared with each caller at the level its name says. */
let X: string;
/** A notification target the admin made. */
let T: string;

async function login(username: string, password: string): Promise<Client> {
  const res = await fetch(`${s.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username, password } }) });
  expect(res.status).toBe(200);
  return makeClient(s.url, { cookie: res.headers.get("set-cookie")!.split(";")[0]! });
}

async function newTarget(name: string): Promise<string> {
  return (await s.admin.notification.create.mutate({ name, type: "webhook", url: `${hook.url}/hook` })).id;
}

beforeAll(async () => {
  [s, sonarr, hook] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY }), startFakeServer((_req, res) => void res.writeHead(204).end())]);
  const plain: [Who, GlobalPermission[]][] = [
    ["noRights", []],
    ["use", []],
    ["interact", []],
    ["fullRow", []],
    ["fullGroup", []],
    ["fullAll", ["integration-full-all"]],
  ];
  for (const [who, perms] of plain) {
    const u = await s.user(perms, `sm_${who}`);
    keyClients[who] = u.client;
    apiKeys[who] = u.apiKey;
    ids[who] = u.id;
    sessions[who] = await login(u.username, `pw-${u.username}-secret`);
  }
  keyClients.admin = s.admin;
  apiKeys.admin = (await s.admin.auth.createApiKey.mutate({ name: "surface-matrix" })).token;
  ids.admin = s.adminId;
  sessions.admin = await login("admin", "admin-password-1");
  keyClients.anonymous = sessions.anonymous = s.anonymous;

  const created = await s.admin.integration.create.mutate({ name: "X", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
  X = (created as { id: string }).id;
  const fullGroup = await s.admin.group.create.mutate({ name: "sm-full" });
  await s.admin.group.addMember.mutate({ groupId: fullGroup.id, userId: ids.fullGroup });
  await s.admin.integration.saveUserIntegrationPermissions.mutate({
    entityId: X,
    permissions: [
      { principalId: ids.use, permission: "use" },
      { principalId: ids.interact, permission: "interact" },
      { principalId: ids.fullRow, permission: "full" },
    ],
  });
  await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: X, permissions: [{ principalId: fullGroup.id, permission: "full" }] });
  T = await newTarget("Shared target");

  for (const who of WHO.filter((w) => w !== "anonymous")) {
    const client = new McpClient({ name: "surface-matrix", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/api/mcp`), { requestInit: { headers: { ApiKey: apiKeys[who]! } } }));
    mcp[who] = client;
    mcpOpen.push(client);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(mcpOpen.map((c) => c.close()));
  await Promise.all([s?.close(), sonarr?.close(), hook?.close()]);
});

const row = (anonymous: Cell, noRights: Cell, use: Cell, interact: Cell, full: Cell, fullAll: Cell = full, admin: Cell = full): Record<Who, Cell> => ({
  anonymous,
  noRights,
  use,
  interact,
  fullRow: full,
  fullGroup: full,
  fullAll,
  admin,
});
const adminOnly = row("UNAUTHORIZED", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ok");
const signedIn = row("UNAUTHORIZED", "ok", "ok", "ok", "ok");
const needsUse = row("UNAUTHORIZED", "NOT_FOUND", "ok", "ok", "ok");
const needsInteract = row("UNAUTHORIZED", "NOT_FOUND", "FORBIDDEN", "ok", "ok");
const needsFull = row("UNAUTHORIZED", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "ok");

interface Ctx {
  /** The notification target a call acts on (a fresh one for delete). */
  target: string;
}
interface Row {
  /** The tRPC procedure path. */
  path: string;
  label?: string;
  expected: Record<Who, Cell>;
  input: (c: Ctx) => unknown;
  /** The REST route as a client writes it (undefined: tRPC only, with the reason in `why`). */
  rest?: (c: Ctx) => { method: string; path: string; body?: unknown };
  /** The MCP tool (undefined: not a tool). */
  mcp?: (c: Ctx) => { tool: string; args: Record<string, unknown> };
  /** A fresh notification target per call (the call deletes it); afterwards it exists exactly when the call failed. */
  consumesTarget?: boolean;
}

let n = 0;
const layout = (integrationIds: string[] | null) => ({ cards: [{ capability: "calendar" as const, integrationIds }], pinnedEntities: [], calendarView: "agenda" as const });

const ROWS: Row[] = [
  {
    path: "notification.create",
    expected: adminOnly,
    input: () => ({ name: `Target ${++n}`, type: "webhook", url: `${hook.url}/new` }),
    rest: () => ({ method: "POST", path: "/notifications", body: { name: `Target ${++n}`, type: "webhook", url: `${hook.url}/new` } }),
  },
  { path: "notification.list", expected: adminOnly, input: () => undefined, rest: () => ({ method: "GET", path: "/notifications" }) },
  {
    path: "notification.update",
    expected: adminOnly,
    input: (c) => ({ id: c.target, name: "Renamed target" }),
    rest: (c) => ({ method: "PUT", path: `/notifications/${c.target}`, body: { name: "Renamed target" } }),
  },
  {
    path: "notification.delete",
    expected: adminOnly,
    consumesTarget: true,
    input: (c) => ({ id: c.target }),
    rest: (c) => ({ method: "DELETE", path: `/notifications/${c.target}` }),
  },
  { path: "notification.test", expected: adminOnly, input: (c) => ({ id: c.target }), rest: (c) => ({ method: "POST", path: `/notifications/${c.target}/test` }) },
  { path: "dashboard.getLayout", expected: signedIn, input: () => undefined, rest: () => ({ method: "GET", path: "/dashboard/layout" }) },
  { path: "dashboard.saveLayout", expected: signedIn, input: () => layout(null), rest: () => ({ method: "PUT", path: "/dashboard/layout", body: layout(null) }) },
  {
    // An integration the caller cannot use is refused as a field of the input, the same for "missing" and "not yours".
    path: "dashboard.saveLayout",
    label: "dashboard.saveLayout naming X",
    expected: row("UNAUTHORIZED", "BAD_REQUEST", "ok", "ok", "ok"),
    input: () => layout([X]),
    rest: () => ({ method: "PUT", path: "/dashboard/layout", body: layout([X]) }),
  },
  {
    path: "audit.list",
    expected: adminOnly,
    input: () => ({ limit: 5 }),
    rest: () => ({ method: "GET", path: "/audit?limit=5" }),
    mcp: () => ({ tool: "audit_list", args: { limit: 5 } }),
  },
  {
    path: "audit.integration",
    expected: needsFull,
    input: () => ({ integrationId: X, limit: 5 }),
    rest: () => ({ method: "GET", path: `/integrations/${X}/audit?limit=5` }),
    mcp: () => ({ tool: "audit_integration", args: { integrationId: X, limit: 5 } }),
  },
  {
    path: "integration.health",
    expected: needsUse,
    input: () => ({ id: X }),
    rest: () => ({ method: "GET", path: `/integrations/${X}/health` }),
    mcp: () => ({ tool: "health", args: { id: X } }),
  },
  {
    path: "integration.checkNow",
    expected: needsInteract,
    input: () => ({ id: X }),
    rest: () => ({ method: "POST", path: `/integrations/${X}/health/check` }),
    mcp: () => ({ tool: "checkNow", args: { id: X } }),
  },
];

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;

async function viaTrpc(client: Client, path: string, input: unknown): Promise<Cell> {
  const [router, proc] = path.split(".") as [string, string];
  const fn = (client as unknown as Record<string, Record<string, Record<string, (i: unknown) => Promise<unknown>>>>)[router]![proc]!;
  const p = procedures[path]!._def.type === "mutation" ? fn.mutate!(input) : fn.query!(input);
  try {
    await p;
    return "ok";
  } catch {
    return (await errorOf(p)).code as Cell;
  }
}

const CODE_OF_STATUS: Record<number, Cell> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND" };

async function viaRest(who: Who, route: { method: string; path: string; body?: unknown }): Promise<Cell | string> {
  const headers: Record<string, string> = apiKeys[who] ? { ApiKey: apiKeys[who]! } : {};
  if (route.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${s.url}/api${route.path}`, { method: route.method, headers, body: route.body === undefined ? undefined : JSON.stringify(route.body) });
  const text = await res.text();
  if (res.status === 200 || res.status === 204) return "ok";
  const cell = CODE_OF_STATUS[res.status];
  // The body names the same code as the status.
  if (cell) expect(JSON.parse(text).code, `${route.method} ${route.path}`).toBe(cell);
  return cell ?? `HTTP ${res.status}: ${text}`;
}

async function viaMcp(who: Who, call: { tool: string; args: Record<string, unknown> }): Promise<Cell | string> {
  if (who === "anonymous") {
    // No key: refused before any tool runs.
    const client = new McpClient({ name: "surface-matrix-anonymous", version: "1.0.0" });
    const refused = await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/api/mcp`))).then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    mcpOpen.push(client);
    return refused?.code === 401 ? "UNAUTHORIZED" : `connected: ${JSON.stringify(refused)}`;
  }
  const result = (await mcp[who]!.callTool({ name: call.tool, arguments: call.args })) as { isError?: boolean; content: { text: string }[] };
  if (!result.isError) return "ok";
  return /^([A-Z_]+):/.exec(result.content[0]!.text)?.[1] ?? result.content[0]!.text;
}

async function context(r: Row, who: Who): Promise<Ctx> {
  return { target: r.consumesTarget ? await newTarget(`Doomed ${who} ${++n}`) : T };
}

async function outcome(r: Row, surface: Surface, who: Who): Promise<Cell | string> {
  const c = await context(r, who);
  let got: Cell | string;
  if (surface === "trpc-session") got = await viaTrpc(sessions[who], r.path, r.input(c));
  else if (surface === "trpc-key") got = await viaTrpc(keyClients[who], r.path, r.input(c));
  else if (surface === "rest") got = await viaRest(who, r.rest!(c));
  else got = await viaMcp(who, r.mcp!(c));
  if (r.consumesTarget) {
    const exists = await s.deps.db.selectFrom("notificationTargets").select("id").where("id", "=", c.target).executeTakeFirst();
    expect(Boolean(exists), `${r.path} over ${surface} as ${who}: the target is gone exactly when the call succeeded`).toBe(got !== "ok");
  }
  return got;
}

describe("surface × caller matrix of the newer procedures", () => {
  it("covers every query and mutation of notification, dashboard and audit, and integration.health/checkNow", () => {
    const wanted = Object.entries(procedures)
      .filter(([p, d]) => (/^(notification|dashboard|audit)\./.test(p) || p === "integration.health" || p === "integration.checkNow") && d._def.type !== "subscription")
      .map(([p]) => p)
      .sort();
    expect([...new Set(ROWS.map((r) => r.path))].sort()).toEqual(wanted);
  });

  for (const r of ROWS) {
    const surfaces: Surface[] = ["trpc-session", "trpc-key", ...(r.rest ? (["rest"] as const) : []), ...(r.mcp ? (["mcp"] as const) : [])];
    for (const surface of surfaces) {
      it(`${r.label ?? r.path} over ${surface}`, async () => {
        const got: Record<string, Cell | string> = {};
        for (const who of WHO) got[who] = await outcome(r, surface, who);
        expect(got).toEqual(r.expected);
      }, 60_000);
    }
  }

  it("MCP exposes exactly the tools named above among these procedures (the rest are tRPC and REST only)", async () => {
    const { tools } = await mcp.admin!.listTools();
    const names = new Set(tools.map((t) => t.name));
    for (const r of ROWS) if (r.mcp) expect(names.has(r.mcp({ target: T }).tool), r.path).toBe(true);
    for (const absent of ["notification_create", "notification_list", "dashboard_getLayout", "dashboard_saveLayout"]) expect(names.has(absent)).toBe(false);
  });
});

describe("dashboard.watch (a subscription: tRPC over SSE only)", () => {
  /** The first emission of a one-card watch of X, or the error that ended the stream. */
  function firstEmission(apiKey: string | undefined): Promise<Cell | string> {
    const client = apiKey ? liveClient(s.url, apiKey) : liveClient(s.url, "");
    const start = new Date();
    const card = { capability: "calendar", integrationIds: [X], start, end: new Date(start.getTime() + 7 * 86_400_000) };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        resolve("no emission within 15 s");
      }, 15_000);
      const sub = client.dashboard.watch.subscribe({ cards: [card], intervalMs: 1000 } as never, {
        onData(d: unknown) {
          clearTimeout(timer);
          sub.unsubscribe();
          // A card the caller may not read fails alone, as its own error item.
          const item = d as { error?: { code: string } };
          resolve(item.error ? (item.error.code as Cell) : "ok");
        },
        onError(e) {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve(((e.data as { code?: string } | null)?.code as Cell) ?? e.message);
        },
      });
    });
  }

  it("streams X's card to callers who can use it; others get NOT_FOUND, anonymous UNAUTHORIZED", async () => {
    const got: Record<string, Cell | string> = {};
    for (const who of WHO) got[who] = await firstEmission(apiKeys[who]);
    expect(got).toEqual(needsUse);
  }, 120_000);
});
