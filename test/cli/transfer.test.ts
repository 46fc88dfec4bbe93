import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { envOf, runCli, tempFile } from "./helpers.js";

/**
 * `patchbay export` on one instance → `patchbay import` on a fresh one, both as child processes: the
 * imported integration works (connection test by id against the emulator), its permissions, app and search
 * engine match, no secret is in the file, a wrong passphrase or an edited file imports nothing.
 */
const CANARY = "CANARY-export-sonarr-key-8f3e2a";
const CANARY_QB_PASSWORD = "CANARY-export-qb-password-19ad";
const PASSPHRASE = "correct horse battery staple";

let source: TestServer;
let target: TestServer;
let sonarr: ArrEmulator;
let dir: string;
let exportFile: string;
let passFile: string;
let sonarrId: string;
let engineId: string;
let appId: string;
let targetAlice: Awaited<ReturnType<TestServer["user"]>>;

const sortBy = <T>(list: T[], key: (t: T) => string) => [...list].sort((a, b) => key(a).localeCompare(key(b)));

beforeAll(async () => {
  [source, target, sonarr] = await Promise.all([startPatchbay(), startPatchbay(), startArr({ app: "Sonarr", apiKey: CANARY })]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-export-"));
  exportFile = path.join(dir, "patchbay-export.json");
  passFile = tempFile("passphrase", PASSPHRASE + "\n");

  // Source: an integration with a new app and a search engine, shared with a user and two groups.
  const created = await source.admin.integration.create.mutate({
    name: "Sonarr",
    kind: "sonarr",
    url: sonarr.url,
    secrets: [{ kind: "apiKey", value: CANARY }],
    app: { name: "Sonarr app", iconUrl: "/icons/sonarr.svg", href: "https://sonarr.example.com", description: "TV" },
    attemptSearchEngineCreation: true,
  });
  if (!("id" in created)) throw new Error(JSON.stringify(created));
  sonarrId = created.id;
  engineId = created.searchEngineId!;
  appId = (await source.admin.integration.byId.query({ id: sonarrId })).app!.id;
  const alice = await source.user([], "alice");
  const media = await source.admin.group.create.mutate({ name: "media" });
  await source.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: sonarrId, permissions: [{ principalId: alice.id, permission: "interact" }, { principalId: source.adminId, permission: "full" }] });
  await source.admin.integration.saveGroupIntegrationPermissions.mutate({
    entityId: sonarrId,
    permissions: [
      { principalId: media.id, permission: "use" },
      { principalId: "everyone", permission: "use" },
    ],
  });
  await source.admin.searchEngine.create.mutate({ name: "DuckDuckGo", short: "ddg", iconUrl: "/icons/ddg.svg", urlTemplate: "https://duckduckgo.com/?q=%s" });
  // A second secret kind, public (username) and private (password), on a kind whose test needs no server:
  // qBittorrent is not reachable here, so it is written straight into the database through the service's shape.
  const qbId = "qb-export-test-id";
  const now = Date.now();
  await source.deps.db.insertInto("integrations").values({ id: qbId, name: "qBittorrent", nameLower: "qbittorrent", kind: "qBittorrent", url: "http://127.0.0.1:9", appId: null, createdBy: source.adminId, createdAt: now, updatedAt: now }).execute();
  const { sealSecret } = await import("../../src/services/secrets.js");
  await source.deps.db
    .insertInto("integrationSecrets")
    .values([
      { integrationId: qbId, kind: "username", value: sealSecret(source.deps.keyring, qbId, "username", "qb-admin"), updatedAt: now },
      { integrationId: qbId, kind: "password", value: sealSecret(source.deps.keyring, qbId, "password", CANARY_QB_PASSWORD), updatedAt: now },
    ])
    .execute();

  // Target: a fresh instance that knows alice but not the group "media".
  targetAlice = await target.user([], "alice");
});
afterAll(async () => {
  await Promise.all([source?.close(), target?.close(), sonarr?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("export", () => {
  it("writes a 0600 JSON document without any secret in plaintext", async () => {
    const r = await runCli(["export", "--out", exportFile, "--passphrase-file", passFile], envOf(source.deps.config));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/exported 2 integration\(s\) with 3 encrypted secret\(s\), 1 app\(s\), 2 search engine\(s\), 0 trusted certificate\(s\)/);
    expect(fs.statSync(exportFile).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(exportFile, "utf8");
    for (const canary of [CANARY, CANARY_QB_PASSWORD, "qb-admin", PASSPHRASE]) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(Buffer.from(canary).toString("base64"));
      expect(text).not.toContain(Buffer.from(canary).toString("hex"));
    }
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ format: "patchbay-export", version: 1, encryption: { kdf: "scrypt", cipher: "aes-256-gcm" } });
    const sonarrDoc = doc.data.integrations.find((i: { id: string }) => i.id === sonarrId);
    expect(sonarrDoc.permissions).toEqual({
      users: [
        { username: "admin", permission: "full" },
        { username: "alice", permission: "interact" },
      ],
      groups: [
        { name: "everyone", permission: "use" },
        { name: "media", permission: "use" },
      ],
    });
    // Secrets: not the instance's stored form either (that would need the instance key).
    expect(sonarrDoc.secrets[0].value).not.toMatch(/^v1\./);
  });

  it("refuses to overwrite without --force, and a short passphrase", async () => {
    const again = await runCli(["export", "--out", exportFile, "--passphrase-file", passFile], envOf(source.deps.config));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; use --force to overwrite it/);
    const short = await runCli(["export", "--out", path.join(dir, "short.json"), "--passphrase-file", tempFile("p", "short")], envOf(source.deps.config));
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/passphrase must be at least 12 characters/);
    const missing = await runCli(["export", "--out", path.join(dir, "m.json"), "--passphrase-file", path.join(dir, "nope")], envOf(source.deps.config));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read passphrase file .*nope: no such file/);
  });
});

describe("import into a fresh instance", () => {
  it("a wrong passphrase fails clearly and imports nothing", async () => {
    const r = await runCli(["import", "--in", exportFile, "--passphrase-file", tempFile("wrong", "not the passphrase at all")], envOf(target.deps.config));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong passphrase: the export does not open with this passphrase/);
    expect(await target.admin.integration.all.query()).toEqual([]);
  });

  it("a wrong file, an edited export or another format fails clearly and imports nothing", async () => {
    const notJson = await runCli(["import", "--in", passFile, "--passphrase-file", passFile], envOf(target.deps.config));
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/not a Patchbay export \(it is not JSON\)/);
    const other = await runCli(["import", "--in", tempFile("other.json", JSON.stringify({ hello: "world" })), "--passphrase-file", passFile], envOf(target.deps.config));
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/not a Patchbay export \(no "format": "patchbay-export"\)/);
    // An attacker who edits the URL (to receive the credentials on import) is caught by the integrity check.
    const doc = JSON.parse(fs.readFileSync(exportFile, "utf8"));
    doc.data.integrations[0].url = "http://attacker.example";
    const edited = await runCli(["import", "--in", tempFile("edited.json", JSON.stringify(doc)), "--passphrase-file", passFile], envOf(target.deps.config));
    expect(edited.code).toBe(1);
    expect(edited.stderr).toMatch(/modified or damaged after it was written/);
    const missing = await runCli(["import", "--in", path.join(dir, "nope.json"), "--passphrase-file", passFile], envOf(target.deps.config));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the export file .*nope\.json: no such file/);
    expect(await target.admin.integration.all.query()).toEqual([]);
  });

  it("imports in one go; the integration works and permissions, app and search engines match", async () => {
    const r = await runCli(["import", "--in", exportFile, "--passphrase-file", passFile], envOf(target.deps.config));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("imported: integrations 2 created, 0 updated; apps 1 created, 0 updated; search engines 2 created, 0 updated");
    expect(r.stdout).toContain("groups created: media");

    // The secret was re-sealed under the target's key with the right associated data: the test passes.
    expect(await target.admin.integration.testConnection.mutate({ id: sonarrId })).toMatchObject({ ok: true, version: "4.0.14.2939" });
    const [src, dst] = await Promise.all([source.admin.integration.byId.query({ id: sonarrId }), target.admin.integration.byId.query({ id: sonarrId })]);
    expect(dst).toEqual(src);
    const qb = await target.admin.integration.byId.query({ id: "qb-export-test-id" });
    expect(qb.secrets.map((s) => [s.kind, s.value])).toEqual([
      ["password", null],
      ["username", "qb-admin"],
    ]);

    // Permissions by name: same users and groups, same levels (ids differ between instances).
    const names = (p: Awaited<ReturnType<typeof source.admin.integration.getIntegrationPermissions.query>>) => ({
      users: sortBy(p.users.map((u) => `${u.user.username}:${u.permission}`), (x) => x),
      groups: sortBy(p.groups.map((g) => `${g.group.name}:${g.permission}`), (x) => x),
    });
    const [srcPerms, dstPerms] = await Promise.all([
      source.admin.integration.getIntegrationPermissions.query({ id: sonarrId }),
      target.admin.integration.getIntegrationPermissions.query({ id: sonarrId }),
    ]);
    expect(names(dstPerms)).toEqual(names(srcPerms));
    expect(names(dstPerms).users).toEqual(["admin:full", "alice:interact"]);

    // Apps and search engines: the same rows, by id.
    expect(await target.admin.app.byId.query({ id: appId })).toEqual(await source.admin.app.byId.query({ id: appId }));
    const strip = (list: { id: string }[]) => sortBy(list, (e) => e.id);
    expect(strip(await target.admin.searchEngine.all.query())).toEqual(strip(await source.admin.searchEngine.all.query()));
    expect((await target.admin.searchEngine.byId.query({ id: engineId })).integrationId).toBe(sonarrId);

    // alice on the target sees it through her imported permission, at her level.
    const seen = await targetAlice.client.integration.all.query();
    expect(seen.find((i) => i.id === sonarrId)?.permissions).toEqual({ hasUseAccess: true, hasInteractAccess: true, hasFullAccess: false });
  });

  it("importing the same file again is idempotent: updated in place, nothing duplicated", async () => {
    const before = await target.admin.integration.all.query();
    const r = await runCli(["import", "--in", exportFile, "--passphrase-file", passFile], envOf(target.deps.config));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("integrations 0 created, 2 updated; apps 0 created, 1 updated; search engines 0 created, 2 updated");
    expect(r.stdout).not.toContain("groups created");
    expect(await target.admin.integration.all.query()).toEqual(before);
    expect(await target.admin.searchEngine.all.query()).toHaveLength(2);
    expect(await target.admin.app.all.query()).toHaveLength(1);
    expect((await target.admin.group.list.query()).filter((g) => g.name === "media")).toHaveLength(1);
    expect(await target.admin.integration.testConnection.mutate({ id: sonarrId })).toMatchObject({ ok: true });
  });

  it("a user missing on the target is reported, not invented; the rest is imported", async () => {
    const third = await startPatchbay();
    try {
      const r = await runCli(["import", "--in", exportFile, "--passphrase-file", passFile], envOf(third.deps.config));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`warning: integration "Sonarr": user "alice" does not exist here; their interact permission was not imported`);
      const perms = await third.admin.integration.getIntegrationPermissions.query({ id: sonarrId });
      expect(perms.users.map((u) => u.user.username)).toEqual(["admin"]);
      expect(await third.admin.integration.testConnection.mutate({ id: sonarrId })).toMatchObject({ ok: true });
    } finally {
      await third.close();
    }
  });
});
