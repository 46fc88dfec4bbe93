import type { Keyring } from "../crypto/keyring.js";
import { migrate, type Db } from "../db/index.js";
import type { Database } from "../db/schema.js";
import { EVERYONE_GROUP_ID } from "../db/schema.js";
import { auditedTransaction, operatorActor, type Actor } from "./audit.js";
import { loadSecrets } from "./secrets.js";

/** Tables in foreign-key order: parents before children. */
const TABLES: (keyof Database)[] = [
  "users",
  "userGroups",
  "groupMembers",
  "groupPermissions",
  "sessions",
  "apiKeys",
  "apps",
  "integrations",
  "integrationSecrets",
  "integrationUserPermissions",
  "integrationGroupPermissions",
  "searchEngines",
  "trustedCertificates",
  "settings",
  "dashboardLayouts",
  "integrationHealth",
  "healthEvents",
  "healthHourly",
  "healthLeases",
  "notificationTargets",
  "notificationDeliveries",
  "auditLog",
];
const BATCH = 500;

export class MigrateDbError extends Error {}

/**
 * Copies every row from one Patchbay database to another (SQLite → PostgreSQL/MariaDB, or back), in one
 * transaction on the target. Secrets are copied as ciphertext: their associated data (integration id and
 * kind) does not change, so the same key opens them; every one is decrypted once afterwards to prove it.
 *
 * The copy ends with one audit entry on the target (`database.migrate`, by `actor`), in the copy's
 * transaction: the new database's history says where it came from.
 */
export async function copyDatabase(source: Db, target: Db, keyring: Keyring, log: (line: string) => void = () => undefined, actor: Actor = operatorActor("operator", "cli")) {
  await migrate(source);
  await migrate(target);
  const used = await target.selectFrom("users").select("id").limit(1).executeTakeFirst();
  const integrations = await target.selectFrom("integrations").select("id").limit(1).executeTakeFirst();
  if (used || integrations) throw new MigrateDbError("The target database already holds Patchbay data; copy into an empty database.");

  const counts: Record<string, number> = {};
  await auditedTransaction(target, actor, async (trx, record) => {
    // The migration seeds these rows on the target too; the source's copies replace them.
    await trx.deleteFrom("settings").execute();
    await trx.deleteFrom("userGroups").where("id", "=", EVERYONE_GROUP_ID).execute();
    for (const table of TABLES) {
      let offset = 0;
      counts[table] = 0;
      for (;;) {
        // A stable order so that paging never skips or repeats a row.
        const rows = await source
          .selectFrom(table)
          .selectAll()
          .$call((q) => orderKey(table).reduce((qq, col) => qq.orderBy(col as never), q))
          .limit(BATCH)
          .offset(offset)
          .execute();
        if (!rows.length) break;
        await trx.insertInto(table).values(rows as never).execute();
        counts[table] += rows.length;
        offset += rows.length;
      }
      log(`${table}: ${counts[table]} rows`);
    }
    // Table names and row counts only.
    await record({ action: "database.migrate", changes: { rows: { ...counts } } });
  });

  // Prove the secrets arrived intact and open with this key.
  const ids = await target.selectFrom("integrations").select("id").execute();
  let secrets = 0;
  for (const { id } of ids) secrets += (await loadSecrets(target, keyring, id)).length;
  log(`verified ${secrets} secrets of ${ids.length} integrations`);
  return { counts, verifiedSecrets: secrets };
}

function orderKey(table: keyof Database): string[] {
  switch (table) {
    case "groupMembers":
      return ["groupId", "userId"];
    case "groupPermissions":
      return ["groupId", "permission"];
    case "sessions":
      return ["tokenHash"];
    case "integrationSecrets":
      return ["integrationId", "kind"];
    case "integrationUserPermissions":
      return ["integrationId", "userId"];
    case "integrationGroupPermissions":
      return ["integrationId", "groupId"];
    case "settings":
      return ["key"];
    case "dashboardLayouts":
      return ["userId"];
    case "integrationHealth":
    case "healthLeases":
      return ["integrationId"];
    case "healthHourly":
      return ["integrationId", "hour"];
    default:
      return ["id"];
  }
}
