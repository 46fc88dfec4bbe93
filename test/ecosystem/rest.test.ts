import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { procedureRecord } from "../../src/server/procedures.js";
import { restRoutes } from "../../src/server/rest-routes.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { sampleSeries, startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";

/**
 * The REST view (/api/…) and its OpenAPI 3.1 document, through real HTTP with an API key, as curl would call it.
 */

let s: TestServer;
let sonarr: ArrEmulator;
let creator: Awaited<ReturnType<TestServer["user"]>>;
let nobody: Awaited<ReturnType<TestServer["user"]>>;
const KEY = "sonarr-rest-key-0123456789";

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY, lookup: sampleSeries })]);
  creator = await s.user(["integration-create"]);
  nobody = await s.user([]);
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
});

interface Res {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** One REST call: JSON in, JSON out; `key` goes into the ApiKey header, or as a bearer token with `bearer`. */
async function rest(method: string, path: string, opts: { key?: string; bearer?: boolean; body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) {
    if (opts.bearer) headers.authorization = `Bearer ${opts.key}`;
    else headers.ApiKey = opts.key;
  }
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
  const res = await fetch(`${s.url}/api${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

const sonarrBody = (name = "REST Sonarr") => ({ name, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });

describe("OpenAPI document", () => {
  let doc: any;
  beforeAll(async () => {
    const res = await rest("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    doc = res.body;
  });

  it("is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)", async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("describes every procedure of integration, notification, dashboard and audit (subscriptions are SSE), with API-key security and explicit response schemas", async () => {
    const routes = await restRoutes();
    // The only subscriptions are the `watch` procedures (SSE over tRPC, not REST routes).
    const integrationProcedures = Object.keys(procedureRecord()).filter((p) => /^(integration|notification|dashboard|audit)\./.test(p) && !p.endsWith(".watch"));
    expect(integrationProcedures.length).toBeGreaterThanOrEqual(26);
    for (const p of integrationProcedures) {
      const route = routes.find((r) => r.procedurePath === p);
      expect(route, `${p} has a REST route`).toBeDefined();
      const op = doc.paths[route!.path]?.[route!.method.toLowerCase()];
      expect(op, `${route!.method} ${route!.path} (${p}) is in the document`).toBeDefined();
      expect(op.operationId, `${p}: the document names the procedure the route calls`).toBe(p.replace(/\./g, "-"));
      const ok = op.responses["200"] ?? op.responses["204"];
      expect(ok, `${p} documents its success response`).toBeDefined();
    }
    // Every route is documented and every documented operation is served: REST and document cannot drift.
    const documented = Object.entries<Record<string, { operationId: string }>>(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path} ${r.procedurePath.replace(/\./g, "-")}`).sort());
    for (const basic of ["auth.session", "auth.createApiKey", "auth.listApiKeys", "auth.listSessions", "auth.revokeSession", "app.all", "app.create", "searchEngine.all", "searchEngine.search"]) {
      expect(routes.some((r) => r.procedurePath === basic), `${basic} has a REST route`).toBe(true);
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["ApiKey", "Bearer"]);
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "ApiKey" });
    expect(doc.paths["/integrations"].get.security).toEqual([{ ApiKey: [] }, { Bearer: [] }]);
    expect(doc.paths["/kinds"].get.security).toBeUndefined();
    expect(doc.servers).toEqual([{ url: "/api" }]);
  });

  it("output schemas hold no secret fields: secret values only as the nullable public value, never hashes", () => {
    const text = JSON.stringify(doc);
    for (const forbidden of ["passwordHash", "tokenHash", "ciphertext"]) expect(text).not.toContain(forbidden);
    const detail = doc.components.schemas.IntegrationDetail;
    expect(detail.additionalProperties).toBe(false);
    expect(detail.properties.secrets.items.properties.value.type).toEqual(["string", "null"]);
    // Only the create-API-key answer carries a token (shown once), as over tRPC.
    const tokens = [...text.matchAll(/"token":\{/g)];
    expect(tokens).toHaveLength(1);
  });
});

describe("authentication", () => {
  it("401 without a key or with an unknown key, with a WWW-Authenticate header", async () => {
    for (const key of [undefined, "pb_not-a-real-key"]) {
      const res = await rest("GET", "/integrations", { key });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: "UNAUTHORIZED" });
      expect(res.headers.get("www-authenticate")).toMatch(/ApiKey|Bearer/);
    }
  });

  it("accepts the key as ApiKey header and as Bearer token", async () => {
    expect((await rest("GET", "/auth/session", { key: creator.apiKey })).body.user.username).toBe(creator.username);
    expect((await rest("GET", "/auth/session", { key: creator.apiKey, bearer: true })).body.user.username).toBe(creator.username);
    expect((await rest("GET", "/auth/session")).body).toBeNull();
  });

  it("ignores session cookies: REST is API-key only (no cross-site use of a browser session)", async () => {
    const login = await fetch(`${s.url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "admin", password: "admin-password-1" } }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    expect((await rest("GET", "/integrations", { headers: { cookie } })).status).toBe(401);
  });

  it("API keys: create, list (never the token), revoke; a revoked key is refused", async () => {
    const created = await rest("POST", "/auth/api-keys", { key: creator.apiKey, body: { name: "rest key" } });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ id: expect.any(String), token: expect.stringMatching(/^pb_/) });
    const list = await rest("GET", "/auth/api-keys", { key: created.body.token });
    expect(list.status).toBe(200);
    const entry = list.body.find((k: { id: string }) => k.id === created.body.id);
    expect(entry).toEqual({ id: created.body.id, name: "rest key", createdAt: expect.any(String), lastUsedAt: expect.any(String), expiresAt: null });
    expect(Number.isFinite(Date.parse(entry.createdAt))).toBe(true);
    expect(list.text).not.toContain(created.body.token);
    expect((await rest("DELETE", `/auth/api-keys/${created.body.id}`, { key: creator.apiKey })).status).toBe(204);
    expect((await rest("GET", "/auth/session", { key: created.body.token })).body).toBeNull();
    expect((await rest("GET", "/integrations", { key: created.body.token })).status).toBe(401);
  });
});

describe("the integration routes, end to end against a Sonarr emulator", () => {
  let id: string;

  it("GET /kinds is public and lists secret options as alternatives", async () => {
    const res = await rest("GET", "/kinds");
    expect(res.status).toBe(200);
    expect(res.body.find((k: { kind: string }) => k.kind === "sonarr")).toMatchObject({ secretOptions: [["apiKey"]], supportsSearch: true });
    expect(res.body.find((k: { kind: string }) => k.kind === "qBittorrent")?.secretOptions).toHaveLength(2);
  });

  it("POST /integrations/test runs the test without saving", async () => {
    const good = await rest("POST", "/integrations/test", { key: creator.apiKey, body: { kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] } });
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ ok: true, version: "4.0.14.2939" });
    const bad = await rest("POST", "/integrations/test", { key: creator.apiKey, body: { kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "wrong" }] } });
    expect(bad.body).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    expect(bad.text).not.toContain("wrong\"");
    const noRight = await rest("POST", "/integrations/test", { key: nobody.apiKey, body: { kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] } });
    expect(noRight.status).toBe(403);
    expect((await rest("GET", "/integrations", { key: creator.apiKey })).body).toEqual([]);
  });

  it("POST /integrations: a failed test answers {error} and writes nothing", async () => {
    const res = await rest("POST", "/integrations", { key: creator.apiKey, body: { ...sonarrBody(), secrets: [{ kind: "apiKey", value: "nope" }] } });
    expect(res.status).toBe(200);
    expect(res.body.error).toMatchObject({ code: "INVALID_CREDENTIALS", message: expect.stringMatching(/Settings → General/) });
    expect((await rest("GET", "/integrations", { key: creator.apiKey })).body).toEqual([]);
  });

  it("POST /integrations creates ({id}); GET /integrations/{id} reads it back without secret values", async () => {
    const res = await rest("POST", "/integrations", { key: creator.apiKey, bearer: true, body: { ...sonarrBody(" REST Sonarr "), attemptSearchEngineCreation: true } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.any(String), searchEngineId: expect.any(String) });
    id = res.body.id;
    const one = await rest("GET", `/integrations/${id}`, { key: creator.apiKey });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, name: "REST Sonarr", kind: "sonarr", url: sonarr.url, app: null, permissions: { hasFullAccess: true } });
    expect(one.body.secrets).toEqual([{ kind: "apiKey", value: null, updatedAt: expect.any(String) }]);
    expect(Number.isFinite(Date.parse(one.body.secrets[0].updatedAt))).toBe(true);
    expect(one.text).not.toContain(KEY);
  });

  it("lists: GET /integrations, /integrations/search, /integrations/categories/{category}, /integrations/searchable, POST /integrations/by-ids", async () => {
    // health: never checked in this suite (no health monitor runs in test servers).
    const item = { id, name: "REST Sonarr", kind: "sonarr", url: sonarr.url, permissions: { hasUseAccess: true, hasInteractAccess: true, hasFullAccess: true }, health: { status: "unknown", checkedAt: null } };
    expect((await rest("GET", "/integrations", { key: creator.apiKey })).body).toEqual([item]);
    expect((await rest("GET", "/integrations/search?query=rest%20son&limit=5", { key: creator.apiKey })).body).toEqual([item]);
    expect((await rest("GET", "/integrations/search?query=radarr", { key: creator.apiKey })).body).toEqual([]);
    expect((await rest("GET", "/integrations/categories/mediaCollection", { key: creator.apiKey })).body).toEqual([item]);
    expect((await rest("GET", "/integrations/categories/dnsHole", { key: creator.apiKey })).body).toEqual([]);
    expect((await rest("GET", "/integrations/searchable", { key: creator.apiKey })).body).toEqual([item]);
    const byIds = await rest("POST", "/integrations/by-ids", { body: [id, "missing-id"] });
    expect(byIds.status).toBe(200);
    expect(byIds.body).toEqual([{ id, kind: "sonarr" }]);
  });

  it("PUT /integrations/{id} updates (null keeps the stored secret) after a passing test", async () => {
    const res = await rest("PUT", `/integrations/${id}`, { key: creator.apiKey, body: { name: "REST Sonarr 2", url: sonarr.url, secrets: [{ kind: "apiKey", value: null }] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id });
    expect((await rest("GET", `/integrations/${id}`, { key: creator.apiKey })).body.name).toBe("REST Sonarr 2");
    const failing = await rest("PUT", `/integrations/${id}`, { key: creator.apiKey, body: { name: "Broken", url: sonarr.url, secrets: [{ kind: "apiKey", value: "bad" }] } });
    expect(failing.body.error.code).toBe("INVALID_CREDENTIALS");
    expect((await rest("GET", `/integrations/${id}`, { key: creator.apiKey })).body.name).toBe("REST Sonarr 2");
  });

  it("permissions: GET and PUT /integrations/{id}/permissions/… decide what another key's user sees", async () => {
    const perms = await rest("GET", `/integrations/${id}/permissions`, { key: creator.apiKey });
    expect(perms.status).toBe(200);
    expect(perms.body.users).toEqual([{ user: expect.objectContaining({ id: creator.id, username: creator.username }), permission: "full" }]);

    // Another user without rights sees nothing, and a missing id looks the same.
    expect((await rest("GET", "/integrations", { key: nobody.apiKey })).body).toEqual([]);
    expect((await rest("GET", `/integrations/${id}`, { key: nobody.apiKey })).status).toBe(404);
    expect((await rest("GET", `/integrations/${id}/search?query=schindler`, { key: nobody.apiKey })).status).toBe(404);
    expect((await rest("DELETE", `/integrations/${id}`, { key: nobody.apiKey })).status).toBe(404);

    const save = await rest("PUT", `/integrations/${id}/permissions/users`, {
      key: creator.apiKey,
      body: { permissions: [{ principalId: creator.id, permission: "full" }, { principalId: nobody.id, permission: "use" }] },
    });
    expect(save.status).toBe(204);
    expect(save.text).toBe("");
    const listed = (await rest("GET", "/integrations", { key: nobody.apiKey })).body;
    expect(listed.map((i: { id: string }) => i.id)).toEqual([id]);
    expect(listed[0].permissions).toEqual({ hasUseAccess: true, hasInteractAccess: false, hasFullAccess: false });
    // "use" is not "full": details stay hidden, as over tRPC.
    expect((await rest("GET", `/integrations/${id}`, { key: nobody.apiKey })).status).toBe(404);

    const unknown = await rest("PUT", `/integrations/${id}/permissions/groups`, { key: creator.apiKey, body: { permissions: [{ principalId: "no-such-group", permission: "use" }] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/principalId/);
    expect((await rest("PUT", `/integrations/${id}/permissions/groups`, { key: creator.apiKey, body: { permissions: [] } })).status).toBe(204);
  });

  it("GET /integrations/{id}/search searches inside Sonarr (use access suffices)", async () => {
    const res = await rest("GET", `/integrations/${id}/search?query=${encodeURIComponent("Schindler's")}&limit=3`, { key: nobody.apiKey });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThanOrEqual(1);
    expect(res.body[0]).toMatchObject({ id: expect.any(String), name: expect.stringContaining("Schindler") });
  });

  it("DELETE /integrations/{id} answers 204; afterwards the id is 404", async () => {
    const res = await rest("DELETE", `/integrations/${id}`, { key: creator.apiKey });
    expect(res.status).toBe(204);
    const gone = await rest("GET", `/integrations/${id}`, { key: creator.apiKey });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ code: "NOT_FOUND", message: "Integration not found" });
    expect((await rest("GET", "/search-engines", { key: creator.apiKey })).body.filter((e: { integrationId: string }) => e.integrationId === id)).toEqual([]);
  });
});

describe("apps and search engines", () => {
  it("apps: create, read, update, delete", async () => {
    const created = await rest("POST", "/apps", { key: creator.apiKey, body: { name: "Nope", iconUrl: "/x.svg" } });
    expect(created.status).toBe(403);
    const app = await rest("POST", "/apps", { key: (await s.user(["app-create"])).apiKey, body: { name: "Sonarr app", iconUrl: "https://example.com/s.svg", href: "https://sonarr.example" } });
    expect(app.status).toBe(200);
    const appId = app.body.id;
    expect((await rest("GET", `/apps/${appId}`, { key: creator.apiKey })).body).toEqual({ id: appId, name: "Sonarr app", description: null, iconUrl: "https://example.com/s.svg", href: "https://sonarr.example", pingUrl: null });
    const adminKey = (await s.user(["admin"])).apiKey;
    expect((await rest("PUT", `/apps/${appId}`, { key: adminKey, body: { name: "Renamed", iconUrl: "/s.svg" } })).status).toBe(204);
    expect((await rest("GET", "/apps", { key: creator.apiKey })).body.map((a: { name: string }) => a.name)).toContain("Renamed");
    expect((await rest("DELETE", `/apps/${appId}`, { key: adminKey })).status).toBe(204);
    expect((await rest("GET", `/apps/${appId}`, { key: creator.apiKey })).status).toBe(404);
  });

  it("search engines: create, search, update, delete", async () => {
    const key = (await s.user(["search-engine-create"])).apiKey;
    const created = await rest("POST", "/search-engines", { key, body: { name: "DuckDuckGo", short: "ddg", iconUrl: "/ddg.svg", urlTemplate: "https://duckduckgo.com/?q=%s" } });
    expect(created.status).toBe(200);
    const found = await rest("GET", "/search-engines/search?query=duck", { key });
    expect(found.body).toEqual([expect.objectContaining({ id: created.body.id, short: "ddg", type: "generic", integrationId: null })]);
    expect((await rest("PUT", `/search-engines/${created.body.id}`, { key, body: { name: "DDG", short: "ddg", iconUrl: "/ddg.svg", urlTemplate: "https://duckduckgo.com/?q=%s" } })).status).toBe(204);
    expect((await rest("GET", `/search-engines/${created.body.id}`, { key })).body.name).toBe("DDG");
    expect((await rest("DELETE", `/search-engines/${created.body.id}`, { key })).status).toBe(204);
  });
});

describe("bad input is a 4xx naming the field, never a 500", () => {
  it("validation messages name the field", async () => {
    const k = creator.apiKey;
    const cases: [string, string, Parameters<typeof rest>[2], RegExp][] = [
      ["POST", "/integrations", { key: k, body: {} }, /name/],
      ["POST", "/integrations", { key: k, body: { ...sonarrBody(), url: "ftp://x" } }, /url/],
      ["POST", "/integrations", { key: k, body: { ...sonarrBody(), kind: "nope" } }, /kind/],
      ["POST", "/integrations", { key: k, body: { ...sonarrBody(), secrets: [] } }, /secrets/],
      ["POST", "/integrations", { key: k, body: { ...sonarrBody(), extra: 1 } }, /extra|Unrecognized/],
      ["GET", "/integrations/search?query=x&limit=abc", { key: k }, /limit/],
      ["GET", "/integrations/search?query=x&limit=1000", { key: k }, /limit/],
      ["GET", "/integrations/search", { key: k }, /query/],
      ["GET", "/integrations/categories/bogus", { key: k }, /category/],
      ["GET", `/integrations/${"x".repeat(80)}`, { key: k }, /id/],
      ["GET", "/integrations/abc/search?query=", { key: k }, /query/],
      ["POST", "/integrations/test", { key: k, body: { kind: "sonarr" } }, /url|secrets/],
      ["POST", "/integrations/by-ids", { body: { ids: ["a"] } }, /input|array/i],
      ["POST", "/auth/api-keys", { key: k, body: { name: "" } }, /name/],
      // PostgreSQL cannot store NUL: refused as bad input on every database, not a 500 there.
      ["GET", "/integrations/%00", { key: k }, /id/],
      ["POST", "/integrations", { key: k, body: { ...sonarrBody(), name: "a\u0000b" } }, /name/],
    ];
    for (const [method, path, opts, field] of cases) {
      const res = await rest(method, path, opts);
      expect(res.status, `${method} ${path} ${JSON.stringify(opts?.body)}`).toBe(400);
      expect(res.body.code).toBe("BAD_REQUEST");
      expect(res.body.message, `${method} ${path}`).toMatch(field);
    }
  });

  it("malformed or non-JSON bodies answer 4xx in the same JSON shape", async () => {
    const k = creator.apiKey;
    const malformed = await rest("POST", "/integrations", { key: k, raw: "{not json" });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: "BAD_REQUEST" });
    const array = await rest("POST", "/integrations", { key: k, body: [1, 2] });
    expect(array.status).toBe(400);
    expect(array.body.message).toMatch(/JSON object/);
    const nullBody = await rest("PUT", "/integrations/abc", { key: k, raw: "null" });
    expect(nullBody.status).toBe(400);
    const text = await rest("POST", "/integrations", { key: k, raw: "name=x", contentType: "text/plain" });
    expect(text.status).toBe(415);
    const huge = await rest("POST", "/integrations", { key: k, body: { name: "x".repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
  });

  it("every documented route answers garbage with a 4xx JSON error, never a 5xx", async () => {
    const doc = (await rest("GET", "/openapi.json")).body;
    const bodies: unknown[] = [{}, [], "text", 42, { id: 1, name: ["x"], url: { a: 1 }, secrets: "x", permissions: [{}] }, { name: "x".repeat(5000) }];
    const ids = ["x", "%00", "%E2%80%AE", "x".repeat(300)];
    const admin = (await s.user(["admin"])).apiKey; // past every permission check, down to validation and the database
    let calls = 0;
    for (const [template, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) {
        // Routes without a path parameter are called once per body, not once per id.
        for (const path of new Set(ids.map((id) => template.replace(/\{\w+\}/g, id)))) {
          const variants = method === "get" || method === "delete" ? [undefined] : bodies;
          for (const body of variants) {
            const query = method === "get" ? "?query=%00&limit=-1&category=nope" : "";
            const res = await rest(method.toUpperCase(), path + query, { key: admin, body });
            calls++;
            expect(res.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
            if (res.status >= 400) expect(res.body?.code, `${method} ${path}`).toEqual(expect.any(String));
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(200);
  }, 180_000); // several hundred requests; every capability route adds six

  it("REST never switches on coercion in the shared schemas: a string boolean is refused over REST and over tRPC", async () => {
    const res = await rest("POST", "/integrations", { key: creator.apiKey, body: { ...sonarrBody("coerced"), attemptSearchEngineCreation: "false" } });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/attemptSearchEngineCreation/);
    const trpc = await errorOf(creator.client.integration.create.mutate({ ...sonarrBody("coerced"), secrets: [{ kind: "apiKey", value: KEY }], attemptSearchEngineCreation: "false" as unknown as boolean }));
    expect(trpc.code).toBe("BAD_REQUEST");
    const limit = await errorOf(creator.client.integration.search.query({ query: "x", limit: "5" as unknown as number }));
    expect(limit.code).toBe("BAD_REQUEST");
  });

  it("a failing upstream during search is a 502 with the connection-test error, not a 500", async () => {
    const down = await startArr({ app: "Sonarr", apiKey: KEY });
    const created = await rest("POST", "/integrations", { key: creator.apiKey, body: { ...sonarrBody("soon down"), url: down.url } });
    await down.close();
    const res = await rest("GET", `/integrations/${created.body.id}/search?query=abc`, { key: creator.apiKey });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: "BAD_GATEWAY", upstream: { code: "CONNECTION_REFUSED" } });
    await rest("DELETE", `/integrations/${created.body.id}`, { key: creator.apiKey });
  });
});

describe("the audit log over REST", () => {
  it("GET /audit pages and filters (ISO 8601 dates in and out); GET /integrations/{id}/audit for the integration's full users", async () => {
    const adminKey = (await s.admin.auth.createApiKey.mutate({ name: "rest audit" })).token;
    const made = await rest("POST", "/integrations", { key: creator.apiKey, body: sonarrBody("Audited over REST") });
    expect(made.status).toBe(200);
    const id = made.body.id as string;

    const first = await rest("GET", "/audit?limit=2", { key: adminKey });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(typeof first.body.nextCursor).toBe("string");
    const second = await rest("GET", `/audit?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { key: adminKey });
    expect(second.status).toBe(200);
    expect(second.body.items.map((e: { id: string }) => e.id)).not.toContain(first.body.items[0].id);

    const at = (await rest("GET", `/integrations/${id}/audit`, { key: creator.apiKey })).body.items.at(-1);
    expect(at).toMatchObject({ action: "integration.create", actor: { type: "apiKey", name: "tests" }, target: { type: "integration", id, name: "Audited over REST" } });
    const windowed = await rest("GET", `/audit?action=integration.create&from=${encodeURIComponent(at.at)}&to=${encodeURIComponent(at.at)}`, { key: adminKey });
    expect(windowed.status).toBe(200);
    expect(windowed.body.items.map((e: { id: string }) => e.id)).toContain(at.id);
    expect(windowed.body.items.every((e: { at: string; action: string }) => e.at === at.at && e.action === "integration.create")).toBe(true);

    for (const [query, field] of [
      ["from=yesterday", "from"],
      ["limit=0", "limit"],
      ["cursor=not-a-cursor", "cursor"],
    ]) {
      const bad = await rest("GET", `/audit?${query}`, { key: adminKey });
      expect(bad.status, query).toBe(400);
      expect(bad.body.message).toContain(field);
    }
    expect((await rest("GET", "/audit", { key: creator.apiKey })).status).toBe(403);
    expect((await rest("GET", `/integrations/${id}/audit`, { key: nobody.apiKey })).status).toBe(404);
    expect((await rest("GET", "/audit")).status).toBe(401);
  });
});

describe("/api/docs", () => {
  it("serves Swagger UI from local files only (no CDN), under a same-origin content security policy", async () => {
    const res = await fetch(`${s.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset.startsWith("/api/docs/"), asset).toBe(true);
      const a = await fetch(`${s.url}${asset}`);
      expect(a.status, asset).toBe(200);
      expect((await a.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    const bundle = await fetch(`${s.url}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(500_000);
    const init = await (await fetch(`${s.url}/api/docs/init.js`)).text();
    expect(init).toContain('url: "/api/openapi.json"');
    expect(init).toContain("validatorUrl: null");
    expect((await fetch(`${s.url}/api/docs/..%2Fpackage.json`)).status).toBe(404);
  });
});
