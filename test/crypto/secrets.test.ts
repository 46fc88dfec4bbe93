import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyHex, KeyError, keyFromHex, Keyring, loadKeyring, secretAad } from "../../src/crypto/keyring.js";
import { migrate, openDatabase } from "../../src/db/index.js";
import { loadSecrets, rotateSecrets, sealSecret, verifyKeyring } from "../../src/services/secrets.js";

const dirs: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-crypto-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("AES-256-GCM keyring (§7)", () => {
  const ring = new Keyring(keyFromHex(generateKeyHex(), "test"));

  it("round-trips, uses a fresh IV each time, and stores the key id", () => {
    const a = ring.seal("hunter2", secretAad("i1", "password"));
    const b = ring.seal("hunter2", secretAad("i1", "password"));
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1.${ring.current.id}.`)).toBe(true);
    expect(Buffer.from(a.split(".")[2]!, "base64url")).toHaveLength(12);
    expect(ring.open(a, secretAad("i1", "password"))).toBe("hunter2");
  });

  it("associated data binds a ciphertext to its integration and kind", () => {
    const sealed = ring.seal("hunter2", secretAad("i1", "password"));
    expect(() => ring.open(sealed, secretAad("i2", "password"))).toThrow(/authentication/);
    expect(() => ring.open(sealed, secretAad("i1", "apiKey"))).toThrow(/authentication/);
  });

  it("a tampered ciphertext or tag fails", () => {
    const sealed = ring.seal("hunter2", "aad");
    const parts = sealed.split(".");
    const ct = Buffer.from(parts[3]!, "base64url");
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString("base64url");
    expect(() => ring.open(parts.join("."), "aad")).toThrow();
  });

  it("a malformed key is a clear error", () => {
    expect(() => keyFromHex("abc", "SECRET_ENCRYPTION_KEY")).toThrow(/64 hexadecimal/);
    expect(() => loadKeyring({ keyHex: "zz".repeat(32), dataDir: tmp() })).toThrow(KeyError);
  });

  it("a generated key is written once with mode 0600 and reused", () => {
    const dir = tmp();
    const first = loadKeyring({ dataDir: dir });
    expect(first.generatedAt).toBeDefined();
    expect(fs.statSync(path.join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    const second = loadKeyring({ dataDir: dir });
    expect(second.generatedAt).toBeUndefined();
    expect(second.keyring.current.id).toBe(first.keyring.current.id);
  });
});

describe("secrets in the database", () => {
  async function dbWithSecrets(ring: Keyring, n: number) {
    const dir = tmp();
    const { db } = await openDatabase(undefined, dir);
    await migrate(db);
    await verifyKeyring(db, ring);
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      await db.insertInto("integrations").values({ id: `i${i}`, name: `n${i}`, nameLower: `n${i}`, kind: "sonarr", url: "http://x", appId: null, createdBy: null, createdAt: now, updatedAt: now }).execute();
      await db.insertInto("integrationSecrets").values({ integrationId: `i${i}`, kind: "apiKey", value: sealSecret(ring, `i${i}`, "apiKey", `secret-${i}`), updatedAt: now }).execute();
    }
    return { db, dir };
  }

  it("a value copied to another row fails to decrypt", async () => {
    const ring = new Keyring(keyFromHex(generateKeyHex(), "t"));
    const { db } = await dbWithSecrets(ring, 2);
    const v0 = (await db.selectFrom("integrationSecrets").select("value").where("integrationId", "=", "i0").executeTakeFirstOrThrow()).value;
    await db.updateTable("integrationSecrets").set({ value: v0 }).where("integrationId", "=", "i1").execute();
    await expect(loadSecrets(db, ring, "i1")).rejects.toThrow(/authentication/);
    expect((await loadSecrets(db, ring, "i0"))[0]!.value).toBe("secret-0");
    await db.destroy();
  });

  it("a wrong key is a clear start-up error, never garbage", async () => {
    const ring = new Keyring(keyFromHex(generateKeyHex(), "t"));
    const { db } = await dbWithSecrets(ring, 1);
    const other = new Keyring(keyFromHex(generateKeyHex(), "t"));
    await expect(verifyKeyring(db, other)).rejects.toThrow(/not the key this database was encrypted with/);
    await db.destroy();
  });

  it("rotation re-encrypts every secret; old ciphertexts stay readable until re-encrypted", async () => {
    const oldKey = keyFromHex(generateKeyHex(), "old");
    const oldRing = new Keyring(oldKey);
    const { db } = await dbWithSecrets(oldRing, 5);
    const newKey = keyFromHex(generateKeyHex(), "new");
    const both = new Keyring(newKey, [oldKey]);
    // Mid-rotation: two rows under the new key, three still under the old one; every one reads.
    for (const id of ["i0", "i1"]) {
      await db.updateTable("integrationSecrets").set({ value: sealSecret(both, id, "apiKey", `secret-${id.slice(1)}`) }).where("integrationId", "=", id).execute();
    }
    for (let i = 0; i < 5; i++) expect((await loadSecrets(db, both, `i${i}`))[0]!.value).toBe(`secret-${i}`);
    // The new key alone cannot read the rows not yet rotated, and start-up says so.
    const newOnly = new Keyring(newKey);
    await expect(loadSecrets(db, newOnly, "i4")).rejects.toThrow(/not configured/);
    await expect(verifyKeyring(db, newOnly)).rejects.toThrow(KeyError);

    const result = await rotateSecrets(db, both, 2);
    expect(result).toEqual({ reencrypted: 3, failed: 0 });
    const rows = await db.selectFrom("integrationSecrets").select("value").execute();
    expect(rows.every((r) => Keyring.keyIdOf(r.value) === newKey.id)).toBe(true);
    // After rotation the old key is no longer needed.
    await verifyKeyring(db, newOnly);
    for (let i = 0; i < 5; i++) expect((await loadSecrets(db, newOnly, `i${i}`))[0]!.value).toBe(`secret-${i}`);
    // Resumable: a second run has nothing left to do.
    expect(await rotateSecrets(db, both)).toEqual({ reencrypted: 0, failed: 0 });
    await db.destroy();
  });
});
