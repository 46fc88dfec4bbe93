import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * Malformed input to every procedure answers BAD_REQUEST with a message naming the field — never a 500 —
 * and writes nothing. Sent as raw HTTP so the client library cannot reshape anything.
 */
let s: TestServer;
let sonarr: ArrEmulator;
let adminKey: string;
let existingId: string;

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: "k" })]);
  adminKey = (await s.admin.auth.createApiKey.mutate({ name: "raw" })).token;
  existingId = ((await s.admin.integration.create.mutate({ name: "E", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "k" }] })) as { id: string }).id;
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
});

async function call(path: string, type: "query" | "mutation", input: unknown) {
  const body = JSON.stringify({ json: input });
  const res =
    type === "query"
      ? await fetch(`${s.url}/api/trpc/${path}?input=${encodeURIComponent(body)}`, { headers: { ApiKey: adminKey } })
      : await fetch(`${s.url}/api/trpc/${path}`, { method: "POST", headers: { ApiKey: adminKey, "content-type": "application/json" }, body });
  const json = (await res.json()) as { error?: { json: { message: string; data: { code: string; issues?: { path: string; message: string }[] } } } };
  return { status: res.status, code: json.error?.json.data.code, message: json.error?.json.message ?? "", issues: json.error?.json.data.issues ?? [] };
}

const long = "x".repeat(5000);
const valid = () => ({ name: "N", kind: "sonarr", url: "__SONARR__", secrets: [{ kind: "apiKey", value: "k" }] });

// [procedure, type, input, the field the message must name]
const cases: [string, "query" | "mutation", unknown, string][] = [
  ["integration.create", "mutation", { ...valid(), name: 42 }, "name"],
  ["integration.create", "mutation", { ...valid(), name: "   " }, "name"],
  ["integration.create", "mutation", { ...valid(), name: long }, "name"],
  ["integration.create", "mutation", { ...valid(), kind: "nosuchkind" }, "kind"],
  ["integration.create", "mutation", { ...valid(), url: "javascript:alert(1)" }, "url"],
  ["integration.create", "mutation", { ...valid(), url: "file:///etc/passwd" }, "url"],
  ["integration.create", "mutation", { ...valid(), url: "http://user:pass@host:8989" }, "url"],
  ["integration.create", "mutation", { ...valid(), url: "not a url" }, "url"],
  ["integration.create", "mutation", { ...valid(), url: "http://h/" + long }, "url"],
  ["integration.create", "mutation", { ...valid(), secrets: "nope" }, "secrets"],
  ["integration.create", "mutation", { ...valid(), secrets: [{ kind: "apiKey", value: "a" }, { kind: "apiKey", value: "b" }] }, "secrets[1].kind"],
  ["integration.create", "mutation", { ...valid(), secrets: [] }, "secrets"],
  ["integration.create", "mutation", { ...valid(), secrets: [{ kind: "sshKey", value: "a" }] }, "secrets[0].kind"],
  ["integration.create", "mutation", { ...valid(), secrets: [{ kind: "apiKey", value: "" }] }, "secrets[0].value"],
  ["integration.create", "mutation", { ...valid(), secrets: [{ kind: "apiKey", value: long }] }, "secrets[0].value"],
  ["integration.create", "mutation", { ...valid(), app: { name: "A", iconUrl: "javascript:x" } }, "app"],
  ["integration.create", "mutation", { ...valid(), app: { id: "missing-app" } }, "app.id"],
  ["integration.create", "mutation", { ...valid(), attemptSearchEngineCreation: "yes" }, "attemptSearchEngineCreation"],
  ["integration.create", "mutation", { ...valid(), extra: 1 }, "input"],
  ["integration.create", "mutation", null, "input"],
  ["integration.create", "mutation", { ...valid(), name: "nul\u0000name" }, "name"],
  ["integration.create", "mutation", { ...valid(), secrets: [{ kind: "apiKey", value: "a\u0000b" }] }, "secrets[0].value"],
  ["integration.search", "query", { query: "\u0000" }, "query"],
  ["integration.update", "mutation", { id: existingIdRef(), name: "N", url: "ftp://x", secrets: [{ kind: "apiKey", value: null }] }, "url"],
  ["integration.update", "mutation", { id: existingIdRef(), name: "", url: "http://x", secrets: [{ kind: "apiKey", value: null }] }, "name"],
  ["integration.update", "mutation", { id: existingIdRef(), name: "N", url: "http://x", secrets: [{ kind: "password", value: null }] }, "secrets[0].kind"],
  ["integration.update", "mutation", { id: 5, name: "N", url: "http://x", secrets: [] }, "id"],
  ["integration.delete", "mutation", { id: ["a"] }, "id"],
  ["integration.delete", "mutation", { id: long }, "id"],
  ["integration.byId", "query", { id: 1 }, "id"],
  ["integration.byIds", "query", "not-an-array", "input"],
  ["integration.byIds", "query", Array.from({ length: 101 }, (_, i) => `id${i}`), "input"],
  ["integration.search", "query", { query: "x", limit: 0 }, "limit"],
  ["integration.search", "query", { query: "x", limit: 101 }, "limit"],
  ["integration.search", "query", { query: "x", limit: 1.5 }, "limit"],
  ["integration.search", "query", { query: long }, "query"],
  ["integration.allOfGivenCategory", "query", { category: "games" }, "category"],
  ["integration.getIntegrationPermissions", "query", {}, "id"],
  ["integration.saveUserIntegrationPermissions", "mutation", { entityId: existingIdRef(), permissions: [{ principalId: "ghost", permission: "use" }] }, "permissions[0].principalId"],
  ["integration.saveUserIntegrationPermissions", "mutation", { entityId: existingIdRef(), permissions: [{ principalId: "x", permission: "owner" }] }, "permissions[0].permission"],
  ["integration.saveGroupIntegrationPermissions", "mutation", { entityId: existingIdRef(), permissions: [{ principalId: "ghost-group", permission: "use" }] }, "permissions[0].principalId"],
  ["integration.saveGroupIntegrationPermissions", "mutation", { entityId: existingIdRef(), permissions: "all" }, "permissions"],
  ["integration.searchInIntegration", "query", { integrationId: existingIdRef(), query: "" }, "query"],
  ["integration.searchInIntegration", "query", { integrationId: existingIdRef(), query: "y".repeat(201) }, "query"],
  ["integration.testConnection", "mutation", { kind: "sonarr", url: "gopher://x", secrets: [{ kind: "apiKey", value: "k" }] }, "url"],
  ["integration.testConnection", "mutation", { kind: "sonarr", url: "http://x" }, "secrets"],
  ["auth.login", "mutation", { username: 1, password: "x" }, "username"],
  ["auth.createApiKey", "mutation", { name: "" }, "name"],
  ["user.create", "mutation", { username: "bad name!", password: "longenough" }, "username"],
  ["user.create", "mutation", { username: "fine", password: "short" }, "password"],
  ["user.create", "mutation", { username: "fine2", password: "longenough", email: "not-mail" }, "email"],
  ["user.create", "mutation", { username: "fine3", password: "1234567890" }, "password"],
  ["user.create", "mutation", { username: "fine4.name", password: "Fine4.Name" }, "password"],
  ["user.changePassword", "mutation", { currentPassword: "admin-password-1", newPassword: "qwertyuiop" }, "newPassword"],
  ["auth.createApiKey", "mutation", { name: "k", expiresAt: "tomorrow" }, "expiresAt"],
  ["auth.createApiKey", "mutation", { name: "k", expiresAt: "2001-01-01T00:00:00Z" }, "expiresAt"],
  ["auth.createApiKey", "mutation", { name: "k", expiresAt: "2999-01-01T00:00:00Z" }, "expiresAt"],
  ["auth.revokeSession", "mutation", { id: "" }, "id"],
  ["group.create", "mutation", { name: "" }, "name"],
  ["group.savePermissions", "mutation", { groupId: "everyone", permissions: ["root"] }, "permissions[0]"],
  ["group.addMember", "mutation", { groupId: "everyone", userId: "x" }, "groupId"],
  ["app.create", "mutation", { name: "A", iconUrl: "javascript:alert(1)" }, "iconUrl"],
  ["app.create", "mutation", { name: "A", iconUrl: "https://x/y.svg", href: "javascript:alert(1)" }, "href"],
  ["searchEngine.create", "mutation", { name: "E", short: "e", iconUrl: "https://x/y.svg", urlTemplate: "https://x/?q=" }, "urlTemplate"],
  ["searchEngine.create", "mutation", { name: "E", short: "has space", iconUrl: "https://x/y.svg", urlTemplate: "https://x/?q=%s" }, "short"],
  ["certificate.trust", "mutation", { pem: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" }, "pem"],
];

// Ids are only known after beforeAll; the cases reference them lazily.
function existingIdRef(): string {
  return "__EXISTING__";
}
function resolve(v: unknown): unknown {
  if (v === "__EXISTING__") return existingId;
  if (v === "__SONARR__") return sonarr.url;
  if (Array.isArray(v)) return v.map(resolve);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  return v;
}

async function counts() {
  const tables = ["integrations", "integrationSecrets", "integrationUserPermissions", "integrationGroupPermissions", "apps", "searchEngines", "users", "userGroups", "groupPermissions", "groupMembers", "trustedCertificates"] as const;
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await s.deps.db.selectFrom(t).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  return out;
}

describe("bad input", () => {
  it.each(cases.map(([path, type, input, field], i) => [i, path, type, field, input] as const))("#%i %s (%s) → BAD_REQUEST naming %s", async (_i, path, type, field, input) => {
    const before = await counts();
    const res = await call(path, type, resolve(input));
    expect(res.status, res.message).toBe(400);
    expect(res.code).toBe("BAD_REQUEST");
    expect(res.message.startsWith(field) || res.message.includes(`${field}:`) || res.message.includes(`; ${field}`), res.message).toBe(true);
    // …and the structured issues name it too (the web UI shows them at the field without parsing the message).
    expect(
      res.issues.some((i) => i.path === field || i.path.startsWith(`${field}.`) || i.path.startsWith(`${field}[`)),
      JSON.stringify(res.issues),
    ).toBe(true);
    expect(await counts()).toEqual(before);
  });

  it("a body that is not JSON is a 400, not a 500", async () => {
    const res = await fetch(`${s.url}/api/trpc/integration.create`, { method: "POST", headers: { ApiKey: adminKey, "content-type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(400);
  });

  it("an unknown procedure is a 404", async () => {
    const res = await fetch(`${s.url}/api/trpc/integration.nope`, { headers: { ApiKey: adminKey } });
    expect(res.status).toBe(404);
  });
});
