import { KeyError, Keyring, secretAad, DecryptError } from "../crypto/keyring.js";
import { constraintKind, type Db } from "../db/index.js";
import type { SecretKind, Secrets } from "../engine/types.js";
import type { Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import { auditedTransaction, type Actor } from "./audit.js";
import { rotateTargetSecrets } from "./notifications.js";

const KEY_CHECK = "key_check";
const KEY_CHECK_AAD = "patchbay:key-check";

/**
 * Start-up guard: proves the configured key is the one the database was written with, so a wrong key is a
 * clear error instead of silent garbage. The first start records a sealed marker.
 */
export async function verifyKeyring(db: Db, keyring: Keyring): Promise<void> {
  let marker = await db.selectFrom("settings").select("value").where("key", "=", KEY_CHECK).executeTakeFirst();
  if (!marker) {
    try {
      await db.insertInto("settings").values({ key: KEY_CHECK, value: keyring.seal("ok", KEY_CHECK_AAD) }).execute();
    } catch (e) {
      // Two instances starting together: the other one wrote the marker first; check against it.
      if (constraintKind(e) !== "unique") throw e;
      marker = await db.selectFrom("settings").select("value").where("key", "=", KEY_CHECK).executeTakeFirst();
    }
  }
  if (marker) {
    const keyId = Keyring.keyIdOf(marker.value);
    if (!keyId || !keyring.has(keyId)) {
      throw new KeyError(
        `The configured encryption key (id ${keyring.current.id}) is not the key this database was encrypted with (id ${keyId ?? "?"}). ` +
          "Set SECRET_ENCRYPTION_KEY (or SECRET_ENCRYPTION_KEY_FILE) to the original key; while rotating, list the old key in SECRET_ENCRYPTION_PREVIOUS_KEYS.",
      );
    }
    try {
      keyring.open(marker.value, KEY_CHECK_AAD);
    } catch {
      throw new KeyError("The encryption key check failed: the stored key marker does not open with the configured key.");
    }
  }
  // A rotation cut short leaves secrets under an older key: those keys must still be configured.
  const stray = await db
    .selectFrom("integrationSecrets")
    .select("value")
    .where("value", "not like", `v1.${keyring.current.id}.%`)
    .limit(1)
    .executeTakeFirst();
  if (stray) {
    const id = Keyring.keyIdOf(stray.value);
    if (!id || !keyring.has(id)) {
      throw new KeyError(
        `Some secrets are encrypted with key ${id ?? "?"}, which is not configured. Add it to SECRET_ENCRYPTION_PREVIOUS_KEYS and run the key rotation to finish.`,
      );
    }
  }
}

export function sealSecret(keyring: Keyring, integrationId: string, kind: string, plaintext: string): string {
  return keyring.seal(plaintext, secretAad(integrationId, kind));
}

/** Decrypts the stored secrets of one integration. */
export async function loadSecrets(db: Db, keyring: Keyring, integrationId: string) {
  const rows = await db.selectFrom("integrationSecrets").selectAll().where("integrationId", "=", integrationId).execute();
  return rows.map((r) => ({
    kind: r.kind as SecretKind,
    stored: r.value,
    updatedAt: Number(r.updatedAt),
    value: keyring.open(r.value, secretAad(integrationId, r.kind)),
  }));
}

export function toSecrets(list: { kind: SecretKind; value: string }[]): Secrets {
  return Object.fromEntries(list.map((s) => [s.kind, s.value]));
}

/**
 * Re-encrypts every secret that is not under the current key. Reads never stop: each row is rewritten by
 * a compare-and-set on its old value, and old keys stay in the keyring until this returns. Resumable: a
 * second run only touches what is left.
 *
 * `actor` (the CLI's `secrets rotate-key`): the marker that switches the database to the new key is written
 * together with one audit entry, in one transaction.
 */
export async function rotateSecrets(db: Db, keyring: Keyring, batchSize = 200, actor?: Actor): Promise<{ reencrypted: number; failed: number }> {
  let reencrypted = 0;
  let failed = 0;
  const prefix = `v1.${keyring.current.id}.%`;
  const skip = new Set<string>();
  for (;;) {
    const rows = await db
      .selectFrom("integrationSecrets")
      .selectAll()
      .where("value", "not like", prefix)
      .orderBy("integrationId")
      .orderBy("kind")
      .limit(batchSize + skip.size)
      .execute();
    const pending = rows.filter((r) => !skip.has(`${r.integrationId}:${r.kind}`));
    if (!pending.length) break;
    for (const r of pending) {
      const aad = secretAad(r.integrationId, r.kind);
      try {
        const plain = keyring.open(r.value, aad);
        await db
          .updateTable("integrationSecrets")
          .set({ value: keyring.seal(plain, aad) })
          .where("integrationId", "=", r.integrationId)
          .where("kind", "=", r.kind)
          .where("value", "=", r.value)
          .execute();
        reencrypted++;
      } catch (e) {
        if (!(e instanceof DecryptError)) throw e;
        skip.add(`${r.integrationId}:${r.kind}`);
        failed++;
      }
    }
  }
  // Notification targets hold sealed URLs and secrets too.
  const targets = await rotateTargetSecrets(db, keyring);
  reencrypted += targets.reencrypted;
  failed += targets.failed;
  const marker = (q: Db | Transaction<Database>) => q.updateTable("settings").set({ value: keyring.seal("ok", KEY_CHECK_AAD) }).where("key", "=", KEY_CHECK).execute();
  if (!actor) await marker(db);
  else {
    // Key ids and counts only (a key id is a fingerprint, not the key).
    await auditedTransaction(db, actor, async (trx, record) => {
      await marker(trx);
      await record({ action: "secrets.rotateKey", target: { type: "encryptionKey", id: keyring.current.id }, changes: { keyId: keyring.current.id, reencrypted, failed } });
    });
  }
  return { reencrypted, failed };
}
