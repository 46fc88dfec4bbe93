import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { sendJson, startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";

/**
 * The redaction matrix: an upstream that echoes the integration's own API key, in each encoding services use,
 * in every field of a search result (id, name, link, image, text — the text long enough to be truncated in
 * the middle of the key) and in its error answers. A `use`-only user searches over tRPC, REST and MCP; the
 * key must appear in no answer, no error and no log line, in any encoding.
 */
const KEY = `K3y "<sp ace>/&'=x9QZ-canary-7f3e`;
const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const ENCODINGS: Record<string, string> = {
  raw: KEY,
  "url-%20": encodeURIComponent(KEY),
  "url-plus": encodeURIComponent(KEY).replace(/%20/g, "+"),
  "json-escaped": JSON.stringify(KEY).slice(1, -1),
  "html-escaped": html(KEY),
  base64: Buffer.from(KEY).toString("base64"),
};
/** What must never be seen: every encoding, and the key's first characters (a cut-off key). */
const FORBIDDEN = [...Object.values(ENCODINGS), KEY.slice(0, 10), encodeURIComponent(KEY).slice(0, 12), "canary-7f3e"];

let s: TestServer;
let sonarr: FakeServer;
let integrationId: string;
let useOnly: Awaited<ReturnType<TestServer["user"]>>;

beforeAll(async () => {
  sonarr = await startFakeServer((req, res) => {
    if (req.headers["x-api-key"] !== KEY) return void res.writeHead(401).end();
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/api/v3/system/status") return sendJson(res, 200, { appName: "Sonarr", version: "4.0.14.2939" });
    if (url.pathname !== "/api/v3/series/lookup") return void res.writeHead(404).end();
    const [mode, name] = (url.searchParams.get("term") ?? "").split(":");
    const form = ENCODINGS[name ?? ""] ?? KEY;
    if (mode === "html") return void res.writeHead(200, { "content-type": "text/html" }).end(`<html><body>Bad key ${form}</body></html>`);
    if (mode === "error") return sendJson(res, 500, { message: `Internal error for ${form}`, key: form });
    sendJson(res, 200, [
      {
        title: `Echo ${form}`,
        year: 2020,
        tvdbId: 81189, // a number, as Sonarr sends it (the secret travels in the slug, title, poster and overview)
        titleSlug: `slug-${form}`,
        id: 7,
        // A poster link the way media servers build them, with the key as a query parameter and in the path.
        images: [{ coverType: "poster", remoteUrl: `http://img.local/${encodeURIComponent(KEY)}/p.jpg?apikey=${encodeURIComponent(KEY)}&w=300` }],
        // 300 characters are kept: the key starts at 290, so truncation cuts it in the middle.
        overview: `${"x".repeat(280)} key=${form} and more text after it`.slice(0, 290 - 4) + ` k= ${form}`,
      },
    ]);
  });
  s = await startPatchbay();
  const created = await s.admin.integration.create.mutate({ name: "Echo Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
  if (!("id" in created)) throw new Error(`create failed: ${created.error.message}`);
  integrationId = created.id;
  useOnly = await s.user([]);
  await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: integrationId, permissions: [{ principalId: useOnly.id, permission: "use" }] });
}, 120_000);

afterAll(async () => {
  await s?.close();
  await sonarr?.close();
});

const surfaces = {
  async trpc(query: string) {
    const res = await fetch(`${s.url}/api/trpc/integration.searchInIntegration?input=${encodeURIComponent(JSON.stringify({ json: { integrationId, query } }))}`, {
      headers: { ApiKey: useOnly.apiKey },
    });
    return { status: res.status, text: await res.text() };
  },
  async rest(query: string) {
    const res = await fetch(`${s.url}/api/integrations/${integrationId}/search?query=${encodeURIComponent(query)}`, { headers: { ApiKey: useOnly.apiKey } });
    return { status: res.status, text: await res.text() };
  },
  async mcp(query: string) {
    const res = await fetch(`${s.url}/api/mcp`, {
      method: "POST",
      headers: { ApiKey: useOnly.apiKey, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "searchInIntegration", arguments: { integrationId, query } } }),
    });
    return { status: res.status, text: await res.text() };
  },
};

function leaks(text: string): string[] {
  return FORBIDDEN.filter((f) => text.includes(f) || text.includes(JSON.stringify(f).slice(1, -1)));
}

describe("redaction matrix: each encoding × each surface", () => {
  for (const encoding of Object.keys(ENCODINGS)) {
    for (const [surface, call] of Object.entries(surfaces)) {
      it(`${encoding} via ${surface}: results, errors and logs are clean`, async () => {
        const ok = await call(`result:${encoding}`);
        expect(ok.status).toBe(200);
        expect(ok.text).toContain("Echo"); // the result itself came through
        expect(leaks(ok.text)).toEqual([]);
        for (const mode of ["error", "html"]) {
          const failed = await call(`${mode}:${encoding}`);
          expect(failed.text.length).toBeGreaterThan(0);
          expect(leaks(failed.text), `${mode} answer: ${failed.text}`).toEqual([]);
        }
        expect(leaks(s.logs.join(""))).toEqual([]);
      });
    }
  }

  it("a poster URL carrying the credential is not handed out (the *arr adapter drops it; redactDeep would rewrite it)", async () => {
    const res = await s.admin.integration.searchInIntegration.query({ integrationId, query: "result:raw" });
    expect(res[0]!.name).toContain("Echo");
    expect(res[0]!.image).toBeUndefined();
  });
});
