import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { EVERYONE_GROUP_ID } from "../../src/db/schema.js";
import { buildApp } from "../../src/server/app.js";
import { createDeps } from "../../src/server/start.js";
import type { Deps } from "../../src/services/deps.js";
import { cachedList } from "../../src/services/list-cache.js";
import { makeClient, startPatchbay, type Client, type TestServer } from "../helpers/patchbay.js";

/**
 * The per-user list cache (src/services/list-cache.ts) must never answer what the database no longer says.
 * Two instances on one database (this suite runs on SQLite, PostgreSQL and MariaDB): user U reads its list on
 * instance A between every change, while the changes go through instance B's API or straight into the
 * database (as the CLI or an import would). Every answer of A is compared with what a fresh query returns.
 */
const KEY = "list-cache-key";
let s: TestServer;
let sonarr: ArrEmulator;
let other: { deps: Deps; close: () => Promise<void>; admin: Client };
let u: { id: string; client: Client };

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY })]);
  // Instance B: its own deps and HTTP server on the same database (same config, so the same SQLite file).
  const deps = await createDeps(s.deps.config, pino({ level: "silent" }));
  const app = await buildApp(deps);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const key = await s.admin.auth.createApiKey.mutate({ name: "instance-b" });
  other = { deps, admin: makeClient(url, { ApiKey: key.token }), close: async () => (await app.close(), await deps.close()) };
  u = await s.user([]);
}, 60_000);
afterAll(async () => {
  await other?.close();
  await Promise.all([s?.close(), sonarr?.close()]);
});

const create = async (name: string) => ((await other.admin.integration.create.mutate({ name, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] })) as { id: string }).id;
const names = async () => (await u.client.integration.all.query()).map((i) => `${i.name}:${i.permissions.hasFullAccess ? "full" : i.permissions.hasInteractAccess ? "interact" : "use"}`);

describe("integration lists stay exact with the cache, across instances and writers", () => {
  let a: string;
  let b: string;
  let group: string;

  it("grants and revocations through the other instance show on the next read", async () => {
    a = await create("Cache Alpha");
    b = await create("Cache Beta");
    expect(await names()).toEqual([]);
    await other.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: a, permissions: [{ principalId: u.id, permission: "use" }] });
    expect(await names()).toEqual(["Cache Alpha:use"]);
    expect(await names()).toEqual(["Cache Alpha:use"]);
    await other.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: a, permissions: [{ principalId: u.id, permission: "full" }] });
    expect(await names()).toEqual(["Cache Alpha:full"]);
    await other.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: a, permissions: [] });
    expect(await names()).toEqual([]);
  });

  it("group rows, membership, the everyone group and deleting a group", async () => {
    group = (await other.admin.group.create.mutate({ name: "cache-family" })).id;
    await other.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: b, permissions: [{ principalId: group, permission: "interact" }] });
    expect(await names()).toEqual([]);
    await other.admin.group.addMember.mutate({ groupId: group, userId: u.id });
    expect(await names()).toEqual(["Cache Beta:interact"]);
    await other.admin.group.removeMember.mutate({ groupId: group, userId: u.id });
    expect(await names()).toEqual([]);
    await other.admin.group.addMember.mutate({ groupId: group, userId: u.id });
    expect(await names()).toEqual(["Cache Beta:interact"]);
    await other.admin.group.delete.mutate({ id: group });
    expect(await names()).toEqual([]);
    await other.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: a, permissions: [{ principalId: EVERYONE_GROUP_ID, permission: "use" }] });
    expect(await names()).toEqual(["Cache Alpha:use"]);
  });

  it("renames and deletes of integrations", async () => {
    expect(await other.admin.integration.update.mutate({ id: a, name: "Cache Alpha Renamed", url: sonarr.url, secrets: [{ kind: "apiKey", value: null }] })).toEqual({ id: a });
    expect(await names()).toEqual(["Cache Alpha Renamed:use"]);
    await other.admin.integration.delete.mutate({ id: a });
    expect(await names()).toEqual([]);
  });

  it("writes straight into the database (CLI, import, another process) count too", async () => {
    await other.deps.db.insertInto("integrationUserPermissions").values({ integrationId: b, userId: u.id, level: 2 }).execute();
    expect(await names()).toEqual(["Cache Beta:interact"]);
    await other.deps.db.updateTable("integrations").set({ name: "Cache Beta Direct", nameLower: "cache beta direct" }).where("id", "=", b).execute();
    expect(await names()).toEqual(["Cache Beta Direct:interact"]);
    await other.deps.db.deleteFrom("integrationUserPermissions").where("userId", "=", u.id).execute();
    expect(await names()).toEqual([]);
  });

  it("a global permission is part of the key: a new one shows everything at once", async () => {
    const g = (await other.admin.group.create.mutate({ name: "cache-viewers" })).id;
    await other.admin.group.addMember.mutate({ groupId: g, userId: u.id });
    expect(await names()).toEqual([]);
    await other.admin.group.savePermissions.mutate({ groupId: g, permissions: ["integration-use-all"] });
    expect(await names()).toEqual(["Cache Beta Direct:use"]);
    await other.admin.group.savePermissions.mutate({ groupId: g, permissions: [] });
    expect(await names()).toEqual([]);
  });

  it("health written by the other instance, or straight into the database, shows on the next read", async () => {
    const health = async () => (await u.client.integration.all.query()).map((i) => `${i.name}:${i.health.status}:${i.health.code ?? ""}`);
    await other.deps.db.insertInto("integrationUserPermissions").values({ integrationId: b, userId: u.id, level: 1 }).execute();
    expect(await health()).toEqual(["Cache Beta Direct:unknown:"]);
    expect(await other.admin.integration.testConnection.mutate({ id: b })).toMatchObject({ ok: true });
    const [tested] = await u.client.integration.all.query();
    expect(tested!.health).toMatchObject({ status: "ok" });
    expect(tested!.health.checkedAt).toBeInstanceOf(Date);
    await other.deps.db.updateTable("integrationHealth").set({ status: "failing", code: "CONNECTION_REFUSED", message: "refused" }).where("integrationId", "=", b).execute();
    expect(await health()).toEqual(["Cache Beta Direct:failing:CONNECTION_REFUSED"]);
    expect(await health()).toEqual(["Cache Beta Direct:failing:CONNECTION_REFUSED"]);
    expect(await other.admin.integration.testConnection.mutate({ id: b })).toMatchObject({ ok: true });
    expect(await health()).toEqual(["Cache Beta Direct:ok:"]);
    await other.deps.db.deleteFrom("integrationUserPermissions").where("userId", "=", u.id).execute();
  });

  it("a search term's remembered trigram answer is dropped by a rename, through the API or the database", async () => {
    const found = async (q: string) => (await s.admin.integration.search.query({ query: q })).map((i) => i.name);
    expect(await found("quokka")).toEqual([]);
    expect(await found("quokka")).toEqual([]);
    expect(await other.admin.integration.update.mutate({ id: b, name: "Cache Quokka", url: sonarr.url, secrets: [{ kind: "apiKey", value: null }] })).toEqual({ id: b });
    expect(await found("quokka")).toEqual(["Cache Quokka"]);
    await other.deps.db.updateTable("integrations").set({ name: "Cache Wombat", nameLower: "cache wombat" }).where("id", "=", b).execute();
    expect(await found("quokka")).toEqual([]);
    expect(await found("wombat")).toEqual(["Cache Wombat"]);
  });

  it("without the triggers (MySQL/MariaDB with binary logging may refuse them) every read queries, and says why", async () => {
    await other.deps.db.insertInto("integrationUserPermissions").values({ integrationId: b, userId: u.id, level: 2 }).execute();
    await s.deps.db.updateTable("listRevisions").set({ triggers: 0 }).execute();
    try {
      expect(await names()).toEqual(["Cache Wombat:interact"]);
      // With no counter to trust, a write the triggers would have counted shows at once.
      await s.deps.db.updateTable("integrationHealth").set({ status: "failing", code: "TIMEOUT" }).where("integrationId", "=", b).execute();
      await s.deps.db.updateTable("integrationUserPermissions").set({ level: 3 }).where("userId", "=", u.id).execute();
      const [item] = await u.client.integration.all.query();
      expect(item).toMatchObject({ name: "Cache Wombat", permissions: { hasFullAccess: true }, health: { status: "failing", code: "TIMEOUT" } });
      const [hit] = await u.client.integration.search.query({ query: "wombat" });
      expect(hit).toMatchObject({ name: "Cache Wombat", permissions: { hasFullAccess: true }, health: { status: "failing", code: "TIMEOUT" } });
      expect(hit!.health.checkedAt).toBeInstanceOf(Date);
      expect(s.logs.join("")).toContain("integration lists are read uncached");
    } finally {
      await s.deps.db.updateTable("listRevisions").set({ triggers: 1 }).execute();
      await other.deps.db.deleteFrom("integrationUserPermissions").where("userId", "=", u.id).execute();
    }
  });

  it("the cache answers repeated reads without querying, and reads again after any write", async () => {
    let reads = 0;
    const read = async () => (reads++, [{ id: "x", name: "x", kind: "sonarr", url: "http://x", level: 1 }]);
    const key = `probe-${Math.random()}`;
    await cachedList(s.deps, key, read);
    await cachedList(s.deps, key, read);
    expect(reads).toBe(1);
    await create("Cache Gamma");
    await cachedList(s.deps, key, read);
    await cachedList(s.deps, key, read);
    expect(reads).toBe(2);
  });
});
