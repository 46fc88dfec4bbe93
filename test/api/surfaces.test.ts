import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * One request edge (docs/architecture.md, "Life of a request"): the same refused call over tRPC (official
 * @trpc/client), REST (fetch, as curl would) and MCP (the official SDK client) answers the same code, message
 * and field issues — one context builder, one set of guards, one error mapper.
 */

let s: TestServer;
let creator: Awaited<ReturnType<TestServer["user"]>>;
let nobody: Awaited<ReturnType<TestServer["user"]>>;
const mcpClients: McpClient[] = [];

beforeAll(async () => {
  s = await startPatchbay();
  creator = await s.user(["integration-create"]);
  nobody = await s.user([]);
});
afterAll(async () => {
  await Promise.all(mcpClients.map((c) => c.close()));
  await s?.close();
});

interface Refusal {
  code: string;
  message: string;
  issues: { path: string; message: string }[] | undefined;
}

async function viaTrpc(user: typeof creator, input: unknown): Promise<Refusal> {
  const e = await errorOf(user.client.integration.create.mutate(input as never));
  return { code: e.code, message: e.message, issues: e.data.issues };
}

async function viaRest(user: typeof creator, input: unknown): Promise<Refusal & { status: number }> {
  const res = await fetch(`${s.url}/api/integrations`, { method: "POST", headers: { "content-type": "application/json", ApiKey: user.apiKey }, body: JSON.stringify(input) });
  const body = (await res.json()) as Refusal;
  return { status: res.status, code: body.code, message: body.message, issues: body.issues };
}

async function viaMcp(user: typeof creator, input: Record<string, unknown>): Promise<Refusal> {
  const client = new McpClient({ name: "surfaces-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/api/mcp`), { requestInit: { headers: { ApiKey: user.apiKey } } }));
  mcpClients.push(client);
  const result = (await client.callTool({ name: "create", arguments: input })) as { isError?: boolean; content: { text: string }[]; structuredContent?: Refusal };
  expect(result.isError).toBe(true);
  const body = result.structuredContent!;
  // The text a model reads says the same as the structured error.
  expect(result.content[0]!.text).toBe(`${body.code}: ${body.message}`);
  return { code: body.code, message: body.message, issues: body.issues };
}

describe("the same refusal on every surface", () => {
  it("bad input: the same BAD_REQUEST with the same field issues over tRPC, REST and MCP", async () => {
    const input = { name: "", kind: "sonarr", url: "ftp://example.com", secrets: [{ kind: "apiKey", value: "k" }] };
    const trpc = await viaTrpc(creator, input);
    expect(trpc.code).toBe("BAD_REQUEST");
    expect(trpc.issues?.map((i) => i.path).sort()).toEqual(["name", "url"]);
    const { status, ...rest } = await viaRest(creator, input);
    expect(status).toBe(400);
    expect(rest).toEqual(trpc);
    expect(await viaMcp(creator, input)).toEqual(trpc);
  });

  it("a wrong type (which MCP's own schema check used to answer in its own words): the same issues everywhere", async () => {
    const input = { name: 5, kind: "sonarr", url: "http://127.0.0.1:9", secrets: [{ kind: "apiKey", value: "k" }], extra: true };
    const trpc = await viaTrpc(creator, input);
    expect(trpc.code).toBe("BAD_REQUEST");
    expect(trpc.issues?.map((i) => i.path).sort()).toEqual(["input", "name"]);
    const { status, ...rest } = await viaRest(creator, input);
    expect(status).toBe(400);
    expect(rest).toEqual(trpc);
    expect(await viaMcp(creator, input)).toEqual(trpc);
  });

  it("a NUL character: the same field issue from the one input guard on every surface", async () => {
    const input = { name: "a\u0000b", kind: "sonarr", url: "http://127.0.0.1:9", secrets: [{ kind: "apiKey", value: "k" }] };
    const trpc = await viaTrpc(creator, input);
    expect(trpc).toEqual({ code: "BAD_REQUEST", message: "name: must not contain NUL characters", issues: [{ path: "name", message: "must not contain NUL characters" }] });
    const { status, ...rest } = await viaRest(creator, input);
    expect(status).toBe(400);
    expect(rest).toEqual(trpc);
    expect(await viaMcp(creator, input)).toEqual(trpc);
  });

  it("a service's field error (after zod): the same issue on every surface", async () => {
    const input = { name: "S", kind: "sonarr", url: "http://127.0.0.1:9", secrets: [{ kind: "password", value: "p" }] };
    const trpc = await viaTrpc(creator, input);
    expect(trpc.issues).toEqual([{ path: "secrets[0].kind", message: expect.stringContaining('does not use a "password" secret') }]);
    const { status, ...rest } = await viaRest(creator, input);
    expect(status).toBe(400);
    expect(rest).toEqual(trpc);
    expect(await viaMcp(creator, input)).toEqual(trpc);
  });

  it("a forbidden call: the same FORBIDDEN, without issues, over tRPC, REST and MCP", async () => {
    const input = { name: "Mine", kind: "sonarr", url: "http://127.0.0.1:9", secrets: [{ kind: "apiKey", value: "k" }] };
    const trpc = await viaTrpc(nobody, input);
    expect(trpc).toEqual({ code: "FORBIDDEN", message: "Missing permission: integration-create", issues: undefined });
    const { status, ...rest } = await viaRest(nobody, input);
    expect(status).toBe(403);
    expect(rest).toEqual(trpc);
    expect(await viaMcp(nobody, input)).toEqual(trpc);
    // Nothing was written by any of them.
    expect(await s.admin.integration.all.query()).toEqual([]);
  });
});
