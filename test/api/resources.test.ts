import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

let s: TestServer;
let sonarr: ArrEmulator;
let qb: FakeServer;

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: "res-key" })]);
  qb = await startFakeServer((req, res) => {
    if (req.url === "/api/v2/auth/login") return void res.writeHead(200, { "set-cookie": "SID=x; path=/" }).end("Ok.");
    if (req.url === "/api/v2/app/version") return void res.writeHead(200).end("v4.6.0");
    res.writeHead(200).end("Ok.");
  });
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close(), qb?.close()]);
});

describe("apps (§2 app.*)", () => {
  it("CRUD with app-create / app-full-all / creator rights", async () => {
    const creator = await s.user(["app-create"]);
    const other = await s.user(["app-create"]);
    const plain = await s.user();
    expect((await errorOf(plain.client.app.create.mutate({ name: "X", iconUrl: "https://e.com/x.svg" }))).code).toBe("FORBIDDEN");
    const { id } = await creator.client.app.create.mutate({ name: "Jellyfin", description: "Media", iconUrl: "https://e.com/j.svg", href: "http://jf.lan" });
    expect(await plain.client.app.byId.query({ id })).toMatchObject({ name: "Jellyfin", href: "http://jf.lan", pingUrl: null });
    expect((await plain.client.app.all.query()).map((a) => a.id)).toContain(id);
    const upd = { id, name: "Jellyfin 2", iconUrl: "https://e.com/j.svg" };
    expect((await errorOf(other.client.app.update.mutate(upd))).code).toBe("FORBIDDEN");
    await creator.client.app.update.mutate(upd);
    expect((await s.admin.app.byId.query({ id })).name).toBe("Jellyfin 2");
    expect((await errorOf(other.client.app.delete.mutate({ id }))).code).toBe("FORBIDDEN");
    await s.admin.app.delete.mutate({ id });
    expect((await errorOf(s.admin.app.byId.query({ id }))).code).toBe("NOT_FOUND");
  });
});

describe("search engines (§2 searchEngine.*)", () => {
  it("generic engines: create, search by name or short, unique short is CONFLICT, update, delete", async () => {
    const u = await s.user(["search-engine-create"]);
    const { id } = await u.client.searchEngine.create.mutate({ name: "DuckDuckGo", short: "ddg", iconUrl: "https://e.com/d.svg", urlTemplate: "https://duckduckgo.com/?q=%s" });
    expect((await errorOf(u.client.searchEngine.create.mutate({ name: "Dup", short: "ddg", iconUrl: "https://e.com/d.svg", urlTemplate: "https://x/?q=%s" }))).code).toBe("CONFLICT");
    expect((await u.client.searchEngine.search.query({ query: "DUCK" })).map((e) => e.id)).toEqual([id]);
    expect((await u.client.searchEngine.search.query({ query: "dd" })).map((e) => e.id)).toEqual([id]);
    await u.client.searchEngine.update.mutate({ id, name: "DDG", short: "d", iconUrl: "https://e.com/d.svg", urlTemplate: "https://duckduckgo.com/?q=%s&ia=web" });
    expect(await u.client.searchEngine.byId.query({ id })).toMatchObject({ name: "DDG", short: "d", type: "generic" });
    const stranger = await s.user(["search-engine-create"]);
    expect((await errorOf(stranger.client.searchEngine.delete.mutate({ id }))).code).toBe("FORBIDDEN");
    await u.client.searchEngine.delete.mutate({ id });
    expect((await errorOf(u.client.searchEngine.byId.query({ id }))).code).toBe("NOT_FOUND");
  });

  it("an engine made from an integration is visible only to callers who can use that integration", async () => {
    const res = (await s.admin.integration.create.mutate({
      name: "Hidden Sonarr",
      kind: "sonarr",
      url: sonarr.url,
      secrets: [{ kind: "apiKey", value: "res-key" }],
      attemptSearchEngineCreation: true,
    })) as { id: string; searchEngineId: string };
    const u = await s.user();
    expect((await u.client.searchEngine.all.query()).map((e) => e.id)).not.toContain(res.searchEngineId);
    expect((await errorOf(u.client.searchEngine.byId.query({ id: res.searchEngineId }))).code).toBe("NOT_FOUND");
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: res.id, permissions: [{ principalId: u.id, permission: "use" }] });
    expect((await u.client.searchEngine.all.query()).map((e) => e.id)).toContain(res.searchEngineId);
  });
});

describe("ordering and cookies", () => {
  it("lists are sorted by catalog order of the kind, then by name", async () => {
    const u = await s.user(["integration-create"]);
    const sonarrIn = (name: string) => ({ name, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey" as const, value: "res-key" }] });
    const qbIn = (name: string) => ({ name, kind: "qBittorrent", url: qb.url, secrets: [{ kind: "username" as const, value: "a" }, { kind: "password" as const, value: "b" }] });
    for (const input of [sonarrIn("a sonarr"), qbIn("z qb"), sonarrIn("B sonarr"), qbIn("a qb")]) await u.client.integration.create.mutate(input);
    // qBittorrent precedes sonarr in the catalog.
    expect((await u.client.integration.all.query()).map((i) => i.name)).toEqual(["a qb", "z qb", "a sonarr", "B sonarr"]);
  });

  it("behind an https proxy (TRUST_PROXY) the session cookie is Secure", async () => {
    const proxied = await startPatchbay({ trustProxy: true });
    try {
      const login = (headers: Record<string, string>) =>
        fetch(`${proxied.url}/api/trpc/auth.login`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ json: { username: "admin", password: "admin-password-1" } }),
        });
      expect((await login({ "x-forwarded-proto": "https" })).headers.get("set-cookie")).toMatch(/;\s*Secure/i);
      expect((await login({})).headers.get("set-cookie")).not.toMatch(/;\s*Secure/i);
    } finally {
      await proxied.close();
    }
  });
});
