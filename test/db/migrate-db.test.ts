import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFromHex, Keyring } from "../../src/crypto/keyring.js";
import { openDatabase, type Db } from "../../src/db/index.js";
import { copyDatabase } from "../../src/services/migrate-db.js";
import { freshDatabase } from "../helpers/database.js";
import { makeClient, startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { persistentInstance, runCli } from "../cli/helpers.js";

/**
 * `migrate-db`: all data from SQLite to PostgreSQL / MariaDB with secrets intact, proven by a Patchbay that
 * runs on the copy, and by a round trip back to SQLite that ends byte-for-byte equal row by row.
 */
const targets = [
  ["PostgreSQL", process.env.PG_URL],
  ["MariaDB", process.env.MYSQL_URL],
] as const;
for (const [name, url] of targets) if (!url) console.warn(`\n*** SKIPPED: migrate-db to ${name}: set ${name === "PostgreSQL" ? "PG_URL" : "MYSQL_URL"} ***\n`);

let source: TestServer;
let sonarr: ArrEmulator;
let keyHex: string;
let ids: { integration: string; user: string; group: string; engine: string };

beforeAll(async () => {
  [source, sonarr] = await Promise.all([startPatchbay({ databaseUrl: undefined }), startArr({ app: "Sonarr", apiKey: "copy-key" })]);
  keyHex = fs.readFileSync(path.join(source.dataDir, "secret.key"), "utf8").trim();
  const created = (await source.admin.integration.create.mutate({
    name: "Copied Sonarr",
    kind: "sonarr",
    url: sonarr.url,
    secrets: [{ kind: "apiKey", value: "copy-key" }],
    app: { name: "Sonarr", iconUrl: "https://example.com/s.svg" },
    attemptSearchEngineCreation: true,
  })) as { id: string; searchEngineId: string };
  const user = await source.user([], "copied_user");
  const group = await source.admin.group.create.mutate({ name: "copied-group" });
  await source.admin.group.addMember.mutate({ groupId: group.id, userId: user.id });
  await source.admin.group.savePermissions.mutate({ groupId: group.id, permissions: ["app-create"] });
  await source.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: created.id, permissions: [{ principalId: user.id, permission: "interact" }] });
  await source.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: created.id, permissions: [{ principalId: group.id, permission: "use" }] });
  ids = { integration: created.id, user: user.id, group: group.id, engine: created.searchEngineId };
});
afterAll(async () => {
  await Promise.all([source?.close(), sonarr?.close()]);
});

async function dump(db: Db) {
  const out: Record<string, unknown[]> = {};
  for (const t of await db.introspection.getTables()) {
    // The list counters and the health rows' `rev` stamps count each database's own writes (migration 0008).
    if (t.name.startsWith("patchbay_migrations") || t.name === "list_revisions") continue;
    const rows = await db.selectFrom(t.name as never).selectAll().execute();
    out[t.name] = rows.map((r) => JSON.stringify(t.name === "integration_health" ? { ...(r as object), rev: undefined } : r)).sort();
  }
  return out;
}

for (const [name, serverUrl] of targets) {
  describe.skipIf(!serverUrl)(`SQLite → ${name} → SQLite`, () => {
    it("copies every row with secrets intact; Patchbay runs on the copy; the round trip is lossless", async () => {
      const keyring = new Keyring(keyFromHex(keyHex, "test"));
      const target = await freshDatabase(serverUrl);
      const back = fs.mkdtempSync(path.join(os.tmpdir(), "pb-roundtrip-"));
      const { db: targetDb } = await openDatabase(target.url, back);
      const { db: backDb } = await openDatabase(undefined, back);
      let copy: TestServer | undefined;
      try {
        const res = await copyDatabase(source.deps.db, targetDb, keyring);
        expect(res.verifiedSecrets).toBe(1);
        expect(res.counts.integrations).toBe(1);
        // Copying into a database that is not empty is refused.
        await expect(copyDatabase(source.deps.db, targetDb, keyring)).rejects.toThrow(/already holds Patchbay data/);

        copy = await startPatchbay({ databaseUrl: target.url, encryptionKeyHex: keyHex });
        const item = await copy.admin.integration.byId.query({ id: ids.integration });
        expect(item).toMatchObject({ name: "Copied Sonarr", kind: "sonarr", url: sonarr.url, app: { name: "Sonarr" } });
        expect(await copy.admin.integration.testConnection.mutate({ id: ids.integration })).toMatchObject({ ok: true });
        const perms = await copy.admin.integration.getIntegrationPermissions.query({ id: ids.integration });
        expect(perms.users.map((u) => [u.user.id, u.permission])).toContainEqual([ids.user, "interact"]);
        expect(perms.groups).toEqual([{ group: { id: ids.group, name: "copied-group" }, permission: "use" }]);
        expect(await copy.admin.searchEngine.byId.query({ id: ids.engine })).toMatchObject({ integrationId: ids.integration });
        // Password hashes came along: the user signs in on the copy.
        const login = await fetch(`${copy.url}/api/trpc/auth.login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: { username: "copied_user", password: "pw-copied_user-secret" } }),
        });
        expect(login.status).toBe(200);
        const session = await makeClient(copy.url, { cookie: login.headers.get("set-cookie")!.split(";")[0]! }).auth.session.query();
        expect(session?.user.permissions).toEqual(["app-create"]);

        await copyDatabase(targetDb, backDb, keyring);
        const [a, b] = await Promise.all([dump(source.deps.db), dump(backDb)]);
        // The copy's own instance wrote a session and an API key for the test client; compare the rest.
        for (const t of ["sessions", "api_keys"]) {
          delete a[t];
          delete b[t];
        }
        // It also recorded its own health checks (state, rewritten in place) and audit entries (appended):
        // every audit entry of the source came back unchanged, next to the copy's new ones.
        for (const t of ["integration_health", "health_events", "health_hourly", "health_leases"]) {
          delete a[t];
          delete b[t];
        }
        expect(a.audit_log!.length).toBeGreaterThan(0);
        expect(b.audit_log).toEqual(expect.arrayContaining(a.audit_log!));
        delete a.audit_log;
        delete b.audit_log;
        expect(b).toEqual(a);
      } finally {
        await copy?.close();
        await targetDb.destroy();
        await backDb.destroy();
        await target.drop();
        fs.rmSync(back, { recursive: true, force: true });
      }
    });
  });
}

describe.skipIf(!targets[0][1])("patchbay migrate-db (the CLI)", () => {
  it("copies an embedded instance into PostgreSQL, refuses a second copy, and rejects bad usage", async () => {
    const inst = await persistentInstance();
    const target = await freshDatabase(targets[0][1]);
    try {
      const server = await inst.start({ databaseUrl: undefined, encryptionKeyHex: keyHex });
      await server.admin.integration.create.mutate({ name: "CLI copy", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "copy-key" }] });
      await inst.stop(server);
      const env = { PATCHBAY_DATA_DIR: inst.dataDir, SECRET_ENCRYPTION_KEY: keyHex };
      const ok = await runCli(["migrate-db", "--to", target.url!], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain("1 secrets verified");
      const again = await runCli(["migrate-db", "--to", target.url!], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already holds Patchbay data/);
      expect((await runCli(["migrate-db"], env)).code).toBe(2);
      expect((await runCli(["migrate-db", "--to", "ftp://x"], env)).code).toBe(2);
      // The copy serves the integration with its secret.
      const copy = await startPatchbay({ databaseUrl: target.url, encryptionKeyHex: keyHex });
      try {
        const [item] = await copy.admin.integration.search.query({ query: "CLI copy" });
        expect(await copy.admin.integration.testConnection.mutate({ id: item!.id })).toMatchObject({ ok: true });
      } finally {
        await copy.close();
      }
    } finally {
      await target.drop();
      await inst.dispose();
    }
  });
});
