import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config.js";
import { generateKeyHex, keyFromHex, Keyring, secretAad } from "../../src/crypto/keyring.js";
import { openDatabase } from "../../src/db/index.js";
import { createDeps } from "../../src/server/start.js";
import type { TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { persistentInstance, runCli, tempFile } from "./helpers.js";

/**
 * `patchbay secrets rotate-key` as a child process, proven the way an operator would find out: the server
 * started with the new key alone reads every secret back (the connection test by id passes against the
 * emulators), and the old key alone no longer opens the instance.
 */
let sonarr: ArrEmulator;
let radarr: ArrEmulator;
let lidarr: ArrEmulator;
const KEYS = { sonarr: "rotate-sonarr-key-1", radarr: "rotate-radarr-key-2", lidarr: "rotate-lidarr-key-3" };

beforeAll(async () => {
  [sonarr, radarr, lidarr] = await Promise.all([
    startArr({ app: "Sonarr", apiKey: KEYS.sonarr }),
    startArr({ app: "Radarr", apiKey: KEYS.radarr }),
    startArr({ app: "Lidarr", apiKey: KEYS.lidarr, version: "2.9.6.4552" }),
  ]);
});
afterAll(async () => {
  await Promise.all([sonarr?.close(), radarr?.close(), lidarr?.close()]);
});

type Instance = Awaited<ReturnType<typeof persistentInstance>>;

async function createIntegrations(s: TestServer): Promise<string[]> {
  const ids: string[] = [];
  for (const [kind, emu, key] of [
    ["sonarr", sonarr, KEYS.sonarr],
    ["radarr", radarr, KEYS.radarr],
    ["lidarr", lidarr, KEYS.lidarr],
  ] as const) {
    const r = await s.admin.integration.create.mutate({ name: `My ${kind}`, kind, url: emu.url, secrets: [{ kind: "apiKey", value: key }] });
    if (!("id" in r)) throw new Error(`create failed: ${JSON.stringify(r)}`);
    ids.push(r.id);
  }
  return ids;
}

/** Every integration's connection test by id passes: the secrets were read back and are right. */
async function expectAllWork(s: TestServer, ids: string[]) {
  for (const id of ids) expect(await s.admin.integration.testConnection.mutate({ id })).toMatchObject({ ok: true });
  // And byId opens them too (the secrets list is read from the database).
  for (const id of ids) expect((await s.admin.integration.byId.query({ id })).secrets).toHaveLength(1);
}

async function storedValues(inst: Instance) {
  const { db } = await openDatabase(inst.databaseUrl, inst.dataDir);
  try {
    return await db.selectFrom("integrationSecrets").select(["integrationId", "kind", "value"]).orderBy("integrationId").orderBy("kind").execute();
  } finally {
    await db.destroy();
  }
}

/** createDeps as the server runs it; resolves to the error when the instance refuses to open. */
async function startError(inst: Instance, overrides: Partial<Config>): Promise<Error | undefined> {
  const config: Config = { ...loadConfig({}), dataDir: inst.dataDir, databaseUrl: inst.databaseUrl, logLevel: "silent", ...overrides };
  try {
    const deps = await createDeps(config, pino({ level: "silent" }));
    await deps.close();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

describe("key in the generated data-dir file", () => {
  let inst: Instance;
  let ids: string[];
  let oldHex: string;
  const newHex = generateKeyHex();

  beforeAll(async () => {
    inst = await persistentInstance();
    const s = await inst.start();
    ids = await createIntegrations(s);
    await inst.stop(s);
    oldHex = fs.readFileSync(path.join(inst.dataDir, "secret.key"), "utf8").trim();
  });
  afterAll(() => inst?.dispose());

  it("re-encrypts, verifies, replaces secret.key atomically; the server with the new key reads every secret", async () => {
    const keyFile = tempFile("new.key", newHex + "\n");
    const r = await runCli(["secrets", "rotate-key", "--new-key-file", keyFile], inst.env());
    expect(r.code, r.stderr).toBe(0);
    const newId = keyFromHex(newHex, "new").id;
    expect(r.stdout).toContain(`rotation complete: 3 secret(s) under key ${newId} (3 re-encrypted now), each verified with the new key alone`);
    expect(r.stdout).toContain(`replaced ${path.join(inst.dataDir, "secret.key")} with the new key`);
    expect(r.stdout + r.stderr).not.toContain(newHex);
    expect(fs.readFileSync(path.join(inst.dataDir, "secret.key"), "utf8").trim()).toBe(newHex);
    expect(fs.statSync(path.join(inst.dataDir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(inst.dataDir, "secret.key.new"))).toBe(false);
    expect(fs.readdirSync(inst.dataDir).filter((f) => f.includes(".tmp"))).toEqual([]);

    const values = await storedValues(inst);
    expect(values).toHaveLength(3);
    for (const v of values) expect(v.value.startsWith(`v1.${newId}.`)).toBe(true);

    // The server on the data dir (which now holds only the new key) reads every secret back.
    const s = await inst.start();
    try {
      await expectAllWork(s, ids);
    } finally {
      await inst.stop(s);
    }
  });

  it("the old key alone no longer opens the instance, and says what to do", async () => {
    const e = await startError(inst, { encryptionKeyHex: oldHex });
    expect(e?.message).toMatch(/not the key this database was encrypted with/);
  });

  it("running it again with the same key is a no-op (resumable, idempotent)", async () => {
    const r = await runCli(["secrets", "rotate-key", "--new-key", newHex], inst.env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("(0 re-encrypted now)");
    expect(r.stdout).toContain("already holds the new key");
  });
});

describe("key from SECRET_ENCRYPTION_KEY", () => {
  let inst: Instance;
  let ids: string[];
  const k1 = generateKeyHex();
  const k2 = generateKeyHex();

  beforeAll(async () => {
    inst = await persistentInstance();
    const s = await inst.start({ encryptionKeyHex: k1 });
    ids = await createIntegrations(s);
    await inst.stop(s);
  });
  afterAll(() => inst?.dispose());

  it("re-encrypts and tells the operator to set SECRET_ENCRYPTION_KEY; the server with the new key works", async () => {
    const r = await runCli(["secrets", "rotate-key", "--new-key", k2], inst.env({ SECRET_ENCRYPTION_KEY: k1 }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/NEXT STEP: set SECRET_ENCRYPTION_KEY to the new key \(id [0-9a-f]{12}\)/);
    expect(fs.existsSync(path.join(inst.dataDir, "secret.key"))).toBe(false);

    expect((await startError(inst, { encryptionKeyHex: k1 }))?.message).toMatch(/not the key this database was encrypted with/);
    const s = await inst.start({ encryptionKeyHex: k2 });
    try {
      await expectAllWork(s, ids);
    } finally {
      await inst.stop(s);
    }
  });

  it("a wrong current key is refused before anything is touched", async () => {
    const r = await runCli(["secrets", "rotate-key", "--new-key", generateKeyHex()], inst.env({ SECRET_ENCRYPTION_KEY: generateKeyHex() }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not the key this database was encrypted with/);
  });
});

describe("a rotation that died midway", () => {
  let inst: Instance;
  let ids: string[];
  let oldHex: string;
  const newHex = generateKeyHex();
  const pending = () => path.join(inst.dataDir, "secret.key.new");

  beforeAll(async () => {
    inst = await persistentInstance();
    const s = await inst.start();
    ids = await createIntegrations(s);
    await inst.stop(s);
    oldHex = fs.readFileSync(path.join(inst.dataDir, "secret.key"), "utf8").trim();
    // The state a crash in step 2 leaves: the new key saved aside, one secret re-encrypted, two not yet.
    fs.writeFileSync(pending(), newHex + "\n", { mode: 0o600 });
    const { db } = await openDatabase(inst.databaseUrl, inst.dataDir);
    const both = new Keyring(keyFromHex(newHex, "new"), [keyFromHex(oldHex, "old")]);
    const row = await db.selectFrom("integrationSecrets").selectAll().where("integrationId", "=", ids[0]!).executeTakeFirstOrThrow();
    const aad = secretAad(row.integrationId, row.kind);
    await db.updateTable("integrationSecrets").set({ value: both.seal(both.open(row.value, aad), aad) }).where("integrationId", "=", row.integrationId).execute();
    await db.destroy();
  });
  afterAll(() => inst?.dispose());

  it("the server still starts on its data-dir key: the pending key file stays readable, every secret reads, a warning says to finish", async () => {
    const s = await inst.start();
    try {
      await expectAllWork(s, ids);
      expect(s.logs.join("\n")).toContain("an unfinished key rotation was found");
    } finally {
      await inst.stop(s);
    }
  });

  it("without the pending key (file removed), the server refuses clearly, naming SECRET_ENCRYPTION_PREVIOUS_KEYS", async () => {
    const saved = fs.readFileSync(pending(), "utf8");
    fs.rmSync(pending());
    try {
      const e = await startError(inst, {});
      expect(e?.message).toMatch(/Add it to SECRET_ENCRYPTION_PREVIOUS_KEYS and run the key rotation to finish/);
    } finally {
      fs.writeFileSync(pending(), saved, { mode: 0o600 });
    }
  });

  it("the documented recovery starts it: SECRET_ENCRYPTION_PREVIOUS_KEYS=$(cat secret.key.new) — every secret reads", async () => {
    const s = await inst.start({ previousKeysHex: [fs.readFileSync(pending(), "utf8").trim()] });
    try {
      await expectAllWork(s, ids);
    } finally {
      await inst.stop(s);
    }
  });

  it("another new key is refused while that rotation is unfinished; nothing changes", async () => {
    const before = await storedValues(inst);
    const r = await runCli(["secrets", "rotate-key", "--new-key", generateKeyHex()], inst.env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`An unfinished rotation to another key (id ${keyFromHex(newHex, "n").id}) is recorded in ${pending()}`);
    expect(r.stderr).toContain(`patchbay secrets rotate-key --new-key-file ${pending()}`);
    expect(await storedValues(inst)).toEqual(before);
  });

  it("without a key, the usage error points at the pending key file", async () => {
    const r = await runCli(["secrets", "rotate-key"], inst.env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`to finish an interrupted rotation: --new-key-file ${pending()}`);
  });

  it("re-running the command finishes only what is left, replaces the key file, and the server works with it", async () => {
    const r = await runCli(["secrets", "rotate-key", "--new-key-file", pending()], inst.env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("rotation complete: 3 secret(s)");
    expect(r.stdout).toContain("(2 re-encrypted now)");
    expect(fs.readFileSync(path.join(inst.dataDir, "secret.key"), "utf8").trim()).toBe(newHex);
    expect(fs.existsSync(pending())).toBe(false);
    const s = await inst.start();
    try {
      await expectAllWork(s, ids);
    } finally {
      await inst.stop(s);
    }
  });
});

describe("a secret that no configured key opens", () => {
  let inst: Instance;

  beforeAll(async () => {
    inst = await persistentInstance();
    const s = await inst.start();
    await createIntegrations(s);
    await inst.stop(s);
    // One value sealed for another row: it authenticates under no configured key/AAD pair.
    const { db } = await openDatabase(inst.databaseUrl, inst.dataDir);
    const [a, b] = await db.selectFrom("integrationSecrets").selectAll().orderBy("integrationId").execute();
    await db.updateTable("integrationSecrets").set({ value: b!.value }).where("integrationId", "=", a!.integrationId).execute();
    await db.destroy();
  });
  afterAll(() => inst?.dispose());

  it("stops before changing anything: the key file, the secrets and no pending key", async () => {
    const keyBefore = fs.readFileSync(path.join(inst.dataDir, "secret.key"), "utf8");
    const before = await storedValues(inst);
    const r = await runCli(["secrets", "rotate-key", "--new-key", generateKeyHex()], inst.env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 stored secret\(s\) open with none of the configured keys, so the rotation cannot finish; nothing was changed/);
    expect(r.stderr).not.toMatch(/did not finish/);
    expect(fs.readFileSync(path.join(inst.dataDir, "secret.key"), "utf8")).toBe(keyBefore);
    expect(fs.existsSync(path.join(inst.dataDir, "secret.key.new"))).toBe(false);
    expect(await storedValues(inst)).toEqual(before);
  });
});
