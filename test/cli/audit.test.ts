import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyHex } from "../../src/crypto/keyring.js";
import { openDatabase } from "../../src/db/index.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { expectNoSecret } from "../../src/kinds/testing/kind-helpers.js";
import { applyProvisioning } from "../../src/services/provisioning.js";
import type { AuditEntry } from "../../src/services/audit.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { envOf, runCli, spawnCli, tempFile } from "./helpers.js";

/**
 * Issue #15: the writes that do not come through the API — every `patchbay` command that writes, and every
 * write of the provisioning file — each leave exactly one audit entry, by the operator (`cli`) or by
 * provisioning (the file's name), never by the admin whose rights they borrow; no secret in any of them.
 * The CLI runs as a child process against the test server's database, as an operator would run it.
 */

const KEY = "audit-cli-CANARY-sonarr-key-71c2";
const KEY2 = "audit-cli-CANARY-sonarr-key2-5e90";
const PASSWORD = "audit-cli-CANARY-password-33";
const NEW_PASSWORD = "audit-cli-CANARY-new-password-44";
const PASSPHRASE = "audit-cli-CANARY-passphrase-55";
const NEW_KEY = generateKeyHex();
const canaries = [KEY, KEY2, PASSWORD, NEW_PASSWORD, PASSPHRASE, NEW_KEY, "admin-password-1"];

let s: TestServer;
let sonarr: ArrEmulator;
let sonarr2: ArrEmulator;
const dirs: string[] = [];

beforeAll(async () => {
  [s, sonarr, sonarr2] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY }), startArr({ app: "Sonarr", apiKey: KEY2 })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close(), sonarr2?.close()]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Every entry stored after `fn` ran, oldest first (read from the database: the log is the table). */
async function entriesOf(fn: () => Promise<unknown>): Promise<AuditEntry[]> {
  const before = new Set((await s.deps.db.selectFrom("auditLog").select("id").execute()).map((r) => r.id));
  await fn();
  const { items } = await s.admin.audit.list.query({ limit: 200 });
  return (items.filter((e) => !before.has(e.id)) as AuditEntry[]).reverse();
}

async function cli(args: string[], stdin?: string) {
  const r = await runCli(args, envOf(s.deps.config), stdin);
  expect(r.code, `patchbay ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r;
}

const OPERATOR = { type: "operator", name: "cli" };

async function sonarrIntegration(name: string, url = sonarr.url, key = KEY): Promise<string> {
  const r = await s.admin.integration.create.mutate({ name, kind: "sonarr", url, secrets: [{ kind: "apiKey", value: key }] });
  if (!("id" in r)) throw new Error(JSON.stringify(r));
  return r.id;
}

/**
 * Each `patchbay` command: the one action it records, or null for a command that writes nothing. `serve`
 * writes through the API and provisioning (below). A new command must be added here.
 */
const COMMANDS: Record<string, string | null> = {
  serve: null,
  "admin create": "user.create",
  "user reset-password": "user.changePassword",
  "secrets rotate-key": "secrets.rotateKey",
  export: null,
  import: "instance.import",
  test: "integration.testConnection",
  "migrate-db": "database.migrate",
  "audit export": null,
};

describe("patchbay commands", () => {
  it("every command is classified above (`patchbay --help` lists them)", async () => {
    const help = await runCli(["--help"]);
    const listed = help.stdout
      .split("Commands:\n")[1]!
      .split("\n\n")[0]!
      .split("\n")
      .map((l) => l.trim().split(/\s{2,}/)[0]!)
      .filter(Boolean);
    expect(listed.length).toBeGreaterThan(5);
    expect(listed.sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it("admin create: one user.create by the operator", async () => {
    const pw = tempFile("pw", PASSWORD);
    const entries = await entriesOf(() => cli(["admin", "create", "--username", "op-admin", "--password-file", pw]));
    const id = (await s.deps.db.selectFrom("users").select("id").where("username", "=", "op-admin").executeTakeFirstOrThrow()).id;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: COMMANDS["admin create"], actor: OPERATOR, target: { type: "user", id, name: "op-admin" }, changes: { username: "op-admin", admin: true }, outcome: "ok" });
    expect(entries[0]!.actor.id).toBeUndefined();
    expectNoSecret(entries, canaries);
  });

  it("user reset-password: one user.changePassword by the operator", async () => {
    const u = await s.user([], "op-reset");
    const entries = await entriesOf(() => cli(["user", "reset-password", "--username", u.username], NEW_PASSWORD + "\n"));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: COMMANDS["user reset-password"], actor: OPERATOR, target: { type: "user", id: u.id }, changes: { password: "changed" } });
    expectNoSecret(entries, canaries);
  });

  it("test: one integration.testConnection by the operator, with its outcome", async () => {
    const id = await sonarrIntegration("Operator tested");
    const entries = await entriesOf(() => cli(["test", "Operator tested"]));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: COMMANDS.test, actor: OPERATOR, target: { type: "integration", id }, outcome: "ok" });
    expectNoSecret(entries, canaries);
  });

  it("export and audit export write nothing; import writes one instance.import (names and counts, no secret)", async () => {
    const id = await sonarrIntegration("Exported");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-audit-cli-"));
    dirs.push(dir);
    const file = path.join(dir, "export.json");
    const passphrase = tempFile("passphrase", PASSPHRASE);
    expect(await entriesOf(() => cli(["export", "--out", file, "--passphrase-file", passphrase]))).toEqual([]);
    expect(await entriesOf(() => cli(["audit", "export"]))).toEqual([]);

    // The stored integration changes; the import brings the exported state back.
    await s.admin.integration.update.mutate({ id, name: "Renamed after export", url: sonarr2.url, secrets: [{ kind: "apiKey", value: KEY2 }] });
    const entries = await entriesOf(() => cli(["import", "--in", file, "--passphrase-file", passphrase]));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: COMMANDS.import, actor: OPERATOR, outcome: "ok" });
    const changes = entries[0]!.changes as { integrations: { created: number; updated: number; names: string[] } };
    expect(changes.integrations.updated).toBeGreaterThanOrEqual(1);
    expect(changes.integrations.names).toContain("Exported");
    expect((await s.admin.integration.byId.query({ id })).name).toBe("Exported");
    expectNoSecret(entries, canaries);
  });

  it("a failed import (wrong passphrase) writes nothing and records nothing", async () => {
    await sonarrIntegration("Export twice");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-audit-cli-"));
    dirs.push(dir);
    const file = path.join(dir, "export.json");
    await cli(["export", "--out", file, "--passphrase-file", tempFile("passphrase", PASSPHRASE)]);
    const entries = await entriesOf(async () => {
      const r = await runCli(["import", "--in", file, "--passphrase-file", tempFile("passphrase", `${PASSPHRASE}-wrong`)], envOf(s.deps.config));
      expect(r.code).toBe(1);
    });
    expect(entries).toEqual([]);
  });

  it("migrate-db: one database.migrate on the target, in the copy's transaction; the source gets none", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-audit-migrate-"));
    dirs.push(dir);
    const targetUrl = `sqlite:${path.join(dir, "copy.db")}`;
    const sourceIds = (await s.deps.db.selectFrom("auditLog").select("id").execute()).map((r) => r.id);
    const entries = await entriesOf(() => cli(["migrate-db", "--to", targetUrl]));
    expect(entries).toEqual([]);
    const { db } = await openDatabase(targetUrl, dir);
    try {
      const rows = await db.selectFrom("auditLog").selectAll().execute();
      const added = rows.filter((r) => !sourceIds.includes(r.id));
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ action: COMMANDS["migrate-db"], actorType: "operator", actorName: "cli", actorId: null, outcome: "ok" });
      expect(JSON.parse(added[0]!.changes!).rows.integrations).toBeGreaterThanOrEqual(1);
      expectNoSecret(rows, canaries);
    } finally {
      await db.destroy();
    }
  });

});

describe("provisioning file", () => {
  const FILE_NAME = "audit-provision.yaml";
  const PROVISIONING = { type: "provisioning", name: FILE_NAME };
  let dir: string;
  const apply = async (yaml: string) => {
    fs.writeFileSync(path.join(dir, FILE_NAME), yaml);
    return applyProvisioning(s.deps, path.join(dir, FILE_NAME), { AUDIT_CLI_KEY: KEY, AUDIT_CLI_KEY2: KEY2 });
  };
  const entry = (o: { name: string; url: string; env?: string; extra?: string }) =>
    `  - name: ${o.name}\n    kind: sonarr\n    url: ${o.url}\n    apiKeyEnv: ${o.env ?? "AUDIT_CLI_KEY"}\n${o.extra ?? ""}`;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-audit-prov-"));
    dirs.push(dir);
  });

  it("each write leaves one entry by provisioning; applying the same file again leaves none", async () => {
    const member = await s.user([], "prov-member");
    const extra =
      "    app: { name: Provisioned app, iconUrl: /icons/sonarr.svg }\n" +
      "    searchEngine: { short: provtv }\n" +
      `    permissions: { groups: { everyone: use }, users: { ${member.username}: interact } }\n`;
    const yaml = `integrations:\n${entry({ name: "Prov Sonarr", url: sonarr.url, extra })}`;
    const first = await entriesOf(async () => expect((await apply(yaml)).created).toEqual(["Prov Sonarr"]));
    // The create (its app and engine inside), the engine's declared short name, the two permission sets.
    expect(first.map((e) => e.action)).toEqual([
      "integration.create",
      "searchEngine.update",
      "integration.saveGroupIntegrationPermissions",
      "integration.saveUserIntegrationPermissions",
    ]);
    for (const e of first) expect(e.actor).toEqual(PROVISIONING);
    expect(first[1]!.changes).toMatchObject({ short: { to: "provtv" } });
    expectNoSecret(first, canaries);

    const again = await entriesOf(async () => expect((await apply(yaml)).unchanged).toEqual(["Prov Sonarr"]));
    expect(again).toEqual([]);
  });

  it("an existing integration: URL and key, a new app linked, a search engine added, the app changed — one entry each", async () => {
    const id = await sonarrIntegration("Prov existing");
    const base = { name: "Prov existing", url: sonarr.url };

    const moved = await entriesOf(async () => expect((await apply(`integrations:\n${entry({ ...base, url: sonarr2.url, env: "AUDIT_CLI_KEY2" })}`)).updated).toEqual(["Prov existing"]));
    expect(moved.map((e) => [e.action, e.actor.type])).toEqual([["integration.update", "provisioning"]]);
    expect(moved[0]!.changes).toMatchObject({ url: { to: sonarr2.url }, secrets: { changed: ["apiKey"] } });

    const withApp = (appName: string) => `    app: { name: ${appName}, iconUrl: /icons/sonarr.svg }\n`;
    const linked = await entriesOf(() => apply(`integrations:\n${entry({ ...base, url: sonarr2.url, env: "AUDIT_CLI_KEY2", extra: withApp("Linked app") })}`));
    expect(linked.map((e) => e.action)).toEqual(["integration.update"]);
    const appId = (await s.deps.db.selectFrom("integrations").select("appId").where("id", "=", id).executeTakeFirstOrThrow()).appId;
    expect(appId).toBeTruthy();
    expect(linked[0]).toMatchObject({ actor: PROVISIONING, target: { type: "integration", id }, changes: { appId: { from: null, to: appId }, appCreated: "Linked app" } });

    const engine = await entriesOf(() =>
      apply(`integrations:\n${entry({ ...base, url: sonarr2.url, env: "AUDIT_CLI_KEY2", extra: withApp("Linked app") + "    searchEngine: { short: provexist }\n" })}`),
    );
    expect(engine.map((e) => e.action)).toEqual(["searchEngine.create"]);
    expect(engine[0]!.changes).toMatchObject({ short: "provexist", integrationId: id });

    const renamed = await entriesOf(() => apply(`integrations:\n${entry({ ...base, url: sonarr2.url, env: "AUDIT_CLI_KEY2", extra: withApp("Renamed app") + "    searchEngine: true\n" })}`));
    expect(renamed.map((e) => e.action)).toEqual(["app.update"]);
    expect(renamed[0]).toMatchObject({ actor: PROVISIONING, target: { type: "app", id: appId }, changes: { name: { from: "Linked app", to: "Renamed app" } } });
    expectNoSecret([moved, linked, engine, renamed], canaries);
  });

  it("a failing entry (connection test refused) writes nothing and records nothing", async () => {
    const entries = await entriesOf(async () => {
      const report = await apply(`integrations:\n${entry({ name: "Prov refused", url: sonarr.url, env: "AUDIT_CLI_KEY2" })}`);
      expect(report.failed.map((f) => f.name)).toEqual(["Prov refused"]);
    });
    expect(entries).toEqual([]);
  });
});

// Last: afterwards the running test server's key no longer opens the secrets.
describe("patchbay secrets rotate-key", () => {
  it("secrets rotate-key: one secrets.rotateKey (the new key's id, never the key)", async () => {
    const keyFile = tempFile("new.key", NEW_KEY + "\n");
    const entries = await entriesOf(() => cli(["secrets", "rotate-key", "--new-key-file", keyFile]));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: COMMANDS["secrets rotate-key"], actor: OPERATOR, target: { type: "encryptionKey" }, outcome: "ok" });
    expect((entries[0]!.changes as { reencrypted: number }).reencrypted).toBeGreaterThanOrEqual(3);
    expectNoSecret(entries, canaries);
  });
});

describe("patchbay audit export to a slow reader", () => {
  it("hands over every line before it exits (process.exit used to drop what a pipe had not taken yet)", async () => {
    // Enough entries to overfill a pipe's 64 KiB buffer several times over.
    const at = Date.now();
    const changes = JSON.stringify({ note: "x".repeat(400) });
    await s.deps.db
      .insertInto("auditLog")
      .values(Array.from({ length: 600 }, (_, i) => ({ id: `slow-reader-${String(i).padStart(4, "0")}`, at: at + i, actorType: "operator", actorId: null, actorName: "cli", action: "test.fill", targetType: null, targetId: null, targetName: null, integrationId: null, ip: null, changes, outcome: "ok" })))
      .execute();
    const total = (await s.deps.db.selectFrom("auditLog").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;
    const { child, result } = spawnCli(["audit", "export"], envOf(s.deps.config));
    // The reader takes nothing for a second: the CLI has written all it has long before that.
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1000);
    const r = await result;
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(r.stdout.length).toBeGreaterThan(4 * 65536);
    expect(lines.length).toBe(Number(total));
    expect(JSON.parse(lines.at(-1)!).id).toBe("slow-reader-0599");
  });
});
