import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { sampleSeries, startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";

/** The MCP endpoint through the official SDK client over Streamable HTTP, as an AI agent would use it. */

let s: TestServer;
let sonarr: ArrEmulator;
const KEY = "sonarr-mcp-key-0123456789";
const clients: Client[] = [];

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY, lookup: sampleSeries })]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  const started = Date.now();
  await s?.close();
  // GET/DELETE /api/mcp answer 405, so no SSE stream is left open to stall the shutdown.
  expect(Date.now() - started).toBeLessThan(5_000);
  await sonarr?.close();
});

async function connect(apiKey?: string): Promise<Client> {
  const client = new Client({ name: "patchbay-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${s.url}/api/mcp`), {
    requestInit: { headers: apiKey ? { ApiKey: apiKey } : {} },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  const text = result.content[0]!.text;
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: Boolean(result.isError), text, json };
}

describe("MCP at /api/mcp", () => {
  let creator: Awaited<ReturnType<TestServer["user"]>>;
  let outsider: Awaited<ReturnType<TestServer["user"]>>;
  let mcp: Client;
  let id: string;

  beforeAll(async () => {
    creator = await s.user(["integration-create"]);
    outsider = await s.user([]);
    mcp = await connect(creator.apiKey);
  });

  it("refuses callers without a valid API key (401), and GET/DELETE are 405 (stateless)", async () => {
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    for (const headers of [{}, { ApiKey: "pb_unknown" }, { authorization: "Bearer pb_unknown" }] as Record<string, string>[]) {
      const res = await fetch(`${s.url}/api/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(init),
      });
      expect(res.status).toBe(401);
    }
    await expect(connect()).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/API key/) });
    expect((await fetch(`${s.url}/api/mcp`)).status).toBe(405);
    expect((await fetch(`${s.url}/api/mcp`, { method: "DELETE" })).status).toBe(405);
  });

  it("lists the ten integration tools with descriptions that state the contract", async () => {
    const { tools } = await mcp.listTools();
    // Besides them: one tool per capability read and action (test/capabilities/permissions.test.ts), named <router>_<procedure>,
    // and the two audit reads (test/api/surface-matrix.test.ts).
    expect(tools.map((t) => t.name).filter((n) => !n.includes("_")).sort()).toEqual(["all", "byId", "checkNow", "create", "delete", "getKinds", "health", "search", "searchInIntegration", "testConnection"]);
    expect(tools.map((t) => t.name).filter((n) => n.startsWith("audit_")).sort()).toEqual(["audit_integration", "audit_list"]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.getKinds!.description).toMatch(/ALTERNATIVES/);
    expect(byName.create!.description).toMatch(/\{id\}/);
    expect(byName.create!.description).toMatch(/\{error: \{code, message/);
    expect(byName.create!.description).toMatch(/exactly ONE of the kind's secretOptions/);
    expect(byName.create!.description).toMatch(/INVALID_CREDENTIALS/);
    expect(byName.byId!.description).toMatch(/only for public kinds/);
    expect(byName.create!.inputSchema.required?.sort()).toEqual(["kind", "name", "secrets", "url"]);
    expect(byName.search!.annotations?.readOnlyHint).toBe(true);
    expect(byName.delete!.annotations?.destructiveHint).toBe(true);
    for (const read of ["health", "audit_list", "audit_integration"]) expect(byName[read]!.annotations?.readOnlyHint, read).toBe(true);
    expect(byName.audit_list!.description).toMatch(/Needs admin/);
    expect(byName.checkNow!.description).toMatch(/interact/);
  });

  it("getKinds answers the catalog", async () => {
    const kinds = await call(mcp, "getKinds");
    expect(kinds.isError).toBe(false);
    expect(kinds.json.find((k: { kind: string }) => k.kind === "sonarr")).toMatchObject({ secretOptions: [["apiKey"]], supportsSearch: true });
  });

  it("testConnection and create against the Sonarr emulator; a failed test is {error} and saves nothing", async () => {
    const tested = await call(mcp, "testConnection", { kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
    expect(tested.json).toEqual({ ok: true, version: "4.0.14.2939" });

    const failed = await call(mcp, "create", { name: "Bad Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "wrong" }] });
    expect(failed.isError).toBe(false);
    expect(failed.json).toEqual({ error: expect.objectContaining({ code: "INVALID_CREDENTIALS", message: expect.stringMatching(/API key/) }) });
    expect((await call(mcp, "all")).json).toEqual([]);

    const created = await call(mcp, "create", { name: "MCP Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
    expect(created.isError).toBe(false);
    expect(created.json).toEqual({ id: expect.any(String) });
    id = created.json.id;
  });

  it("reads the integration back (byId, all, search), never a secret value", async () => {
    const one = await call(mcp, "byId", { id });
    expect(one.json).toMatchObject({ id, name: "MCP Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: null }] });
    expect(one.text).not.toContain(KEY);
    expect((await call(mcp, "all")).json.map((i: { id: string }) => i.id)).toEqual([id]);
    expect((await call(mcp, "search", { query: "mcp" })).json.map((i: { id: string }) => i.id)).toEqual([id]);
    // The same integration is visible over tRPC for the same user: one set of rules.
    expect((await creator.client.integration.byId.query({ id })).name).toBe("MCP Sonarr");
  });

  it("testConnection by id and searchInIntegration", async () => {
    expect((await call(mcp, "testConnection", { id })).json).toMatchObject({ ok: true });
    const found = await call(mcp, "searchInIntegration", { integrationId: id, query: "Schindler" });
    expect(found.isError).toBe(false);
    expect(found.json[0]).toMatchObject({ name: expect.stringContaining("Schindler") });
  });

  it("errors are readable tool errors: validation names the field", async () => {
    const bad = await call(mcp, "create", { name: "x", kind: "sonarr", url: "ftp://example.com", secrets: [{ kind: "apiKey", value: KEY }] });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/BAD_REQUEST: url:/);
    const noSecret = await call(mcp, "create", { name: "x", kind: "sonarr", url: sonarr.url, secrets: [] });
    expect(noSecret.text).toMatch(/needs one of: \[apiKey\]/);
  });

  it("a key of a user without rights sees nothing and can change nothing; rights granted later apply exactly", async () => {
    const other = await connect(outsider.apiKey);
    expect((await call(other, "all")).json).toEqual([]);
    expect((await call(other, "search", { query: "MCP" })).json).toEqual([]);
    const hidden = await call(other, "byId", { id });
    expect(hidden.isError).toBe(true);
    expect(hidden.text).toBe("NOT_FOUND: Integration not found");
    expect((await call(other, "searchInIntegration", { integrationId: id, query: "x" })).text).toMatch(/^NOT_FOUND/);
    expect((await call(other, "testConnection", { id })).text).toMatch(/^NOT_FOUND/);
    expect((await call(other, "delete", { id })).text).toMatch(/^NOT_FOUND/);
    const create = await call(other, "create", { name: "Mine", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
    expect(create.isError).toBe(true);
    expect(create.text).toBe("FORBIDDEN: Missing permission: integration-create");

    // Give the outsider "use": listed and searchable, but details (full access) stay hidden.
    await creator.client.integration.saveUserIntegrationPermissions.mutate({
      entityId: id,
      permissions: [
        { principalId: creator.id, permission: "full" },
        { principalId: outsider.id, permission: "use" },
      ],
    });
    const listed = (await call(other, "all")).json;
    expect(listed).toEqual([expect.objectContaining({ id, permissions: { hasUseAccess: true, hasInteractAccess: false, hasFullAccess: false } })]);
    expect((await call(other, "searchInIntegration", { integrationId: id, query: "Schindler" })).isError).toBe(false);
    expect((await call(other, "byId", { id })).isError).toBe(true);
    expect((await call(other, "delete", { id })).isError).toBe(true);
    expect((await call(mcp, "byId", { id })).isError).toBe(false);
  });

  it("delete removes it", async () => {
    const deleted = await call(mcp, "delete", { id });
    expect(deleted).toMatchObject({ isError: false, json: { deleted: id } });
    expect((await call(mcp, "byId", { id })).text).toBe("NOT_FOUND: Integration not found");
    expect((await call(mcp, "all")).json).toEqual([]);
  });
});
