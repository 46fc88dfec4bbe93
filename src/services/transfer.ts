import crypto from "node:crypto";
import { z } from "zod";
import { highestLevels, levelName } from "../auth/permissions.js";
import { permissionLevel, secretKind } from "./inputs.js";
import { newId } from "../auth/tokens.js";
import { getKind } from "../kinds/index.js";
import { DecryptError, gcmOpen, gcmSeal, secretAad } from "../crypto/keyring.js";
import { SECRET_KINDS } from "../engine/types.js";
import { auditedTransaction, operatorActor, type Actor } from "./audit.js";
import type { Deps } from "./deps.js";
import { OperatorError } from "./errors.js";
import { engineView, uniqueShort } from "./search-engines.js";
import { nameColumns } from "./search-name.js";
import { bumpTrustVersion } from "./certificates.js";

/**
 * `patchbay export` / `patchbay import`: integrations, their secrets and permissions, apps, search engines
 * and trusted certificates in one JSON document that can move between instances (and databases).
 *
 * - Secrets are never in plaintext: each is AES-256-GCM under a key derived from a passphrase with scrypt
 *   (random salt and the cost parameters in the document), bound by associated data to its integration id
 *   and secret kind, so a value moved to another row fails to open.
 * - A sealed check value tells a wrong passphrase apart from a damaged file; an HMAC over the document body
 *   (second half of the scrypt output) refuses a file whose URLs or ids were edited (an edited URL would
 *   otherwise send the imported credentials elsewhere).
 * - Users and groups are referred to by name: ids differ between instances. Import creates missing groups
 *   (a name, no global permission) and skips permissions of users that do not exist, and says so.
 * - Import is one transaction and idempotent by id: a second import of the same file changes nothing.
 */
export const EXPORT_FORMAT = "patchbay-export";
export const EXPORT_VERSION = 1;
const CHECK_PLAINTEXT = "patchbay-export-check";
const CHECK_AAD = "patchbay-export:check";
const exportAad = (integrationId: string, kind: string) => `patchbay-export:v1:${integrationId}:${kind}`;

const DEFAULT_KDF = { N: 2 ** 15, r: 8, p: 1 };

interface Derived {
  enc: Buffer;
  mac: Buffer;
}

function derive(passphrase: string, salt: Buffer, kdf: { N: number; r: number; p: number }): Derived {
  const out = crypto.scryptSync(passphrase.normalize("NFC"), salt, 64, { ...kdf, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 });
  return { enc: out.subarray(0, 32), mac: out.subarray(32) };
}

// Export values are "<iv>.<ciphertext>.<tag>" (no key id: the key comes from the passphrase).
const seal = (key: Buffer, plaintext: string, aad: string) => gcmSeal(key, plaintext, aad).join(".");

function open(key: Buffer, sealed: string, aad: string): string {
  const parts = sealed.split(".");
  if (parts.length !== 3) throw new DecryptError("not a sealed value");
  return gcmOpen(key, parts as [string, string, string], aad, "authentication failed");
}

const macOf = (key: Buffer, data: unknown) => crypto.createHmac("sha256", key).update(JSON.stringify(data)).digest("hex");

const nullableString = z.string().nullable();
const millis = z.number().int().nonnegative();
const dataSchema = z.object({
  users: z.array(z.object({ username: z.string().min(1) })),
  groups: z.array(z.object({ name: z.string().min(1) })),
  apps: z.array(
    z.object({
      id: z.string().min(1).max(64),
      name: z.string().min(1).max(127),
      description: nullableString,
      iconUrl: z.string().min(1).max(2048),
      href: nullableString,
      pingUrl: nullableString,
      createdBy: nullableString,
      createdAt: millis,
    }),
  ),
  integrations: z.array(
    z.object({
      id: z.string().min(1).max(64),
      name: z.string().min(1).max(127),
      kind: z.string().min(1),
      url: z.string().min(1).max(2048),
      appId: nullableString,
      createdBy: nullableString,
      createdAt: millis,
      updatedAt: millis,
      secrets: z.array(z.object({ kind: secretKind, value: z.string().min(1), updatedAt: millis })),
      permissions: z.object({
        users: z.array(z.object({ username: z.string().min(1), permission: permissionLevel })),
        groups: z.array(z.object({ name: z.string().min(1), permission: permissionLevel })),
      }),
    }),
  ),
  searchEngines: z.array(
    z.object({
      id: z.string().min(1).max(64),
      name: z.string().min(1).max(127),
      short: z.string().min(1).max(32),
      iconUrl: z.string().min(1).max(2048),
      type: z.enum(["generic", "fromIntegration"]),
      urlTemplate: nullableString,
      description: nullableString,
      integrationId: nullableString,
      createdBy: nullableString,
      createdAt: millis,
    }),
  ),
  trustedCertificates: z.array(z.object({ fingerprint256: z.string(), subject: z.string(), issuer: z.string(), validTo: z.string(), pem: z.string() })),
});
export type ExportData = z.infer<typeof dataSchema>;

const documentSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.string(),
  encryption: z.object({
    kdf: z.literal("scrypt"),
    // Bounded, so that a crafted file cannot make the import spend gigabytes or minutes.
    N: z.number().int().refine((n) => n >= 2 ** 14 && n <= 2 ** 20 && (n & (n - 1)) === 0, "must be a power of two between 2^14 and 2^20"),
    r: z.number().int().min(1).max(16),
    p: z.number().int().min(1).max(4),
    salt: z.string().min(16),
    cipher: z.literal("aes-256-gcm"),
    check: z.string(),
  }),
  data: z.unknown(),
  mac: z.string(),
});

export const MIN_PASSPHRASE_LENGTH = 12;

/** Builds the export document; secrets are opened with the instance key and sealed under the passphrase. */
export async function exportInstance(deps: Deps, passphrase: string) {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new OperatorError(`the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long`);
  const { db, keyring } = deps;
  // One snapshot: a write during the export cannot leave it half old, half new.
  const snapshot = deps.dialect === "sqlite" ? db.transaction() : db.transaction().setIsolationLevel("repeatable read");
  const [users, groups, apps, integrations, secrets, userPerms, groupPerms, engines, certs] = await snapshot.execute((trx) =>
    Promise.all([
      trx.selectFrom("users").select(["id", "username"]).execute(),
      trx.selectFrom("userGroups").select(["id", "name"]).execute(),
      trx.selectFrom("apps").selectAll().orderBy("id").execute(),
      trx.selectFrom("integrations").selectAll().orderBy("id").execute(),
      trx.selectFrom("integrationSecrets").selectAll().orderBy("integrationId").orderBy("kind").execute(),
      trx.selectFrom("integrationUserPermissions").selectAll().execute(),
      trx.selectFrom("integrationGroupPermissions").selectAll().execute(),
      trx.selectFrom("searchEngines").selectAll().orderBy("id").execute(),
      trx.selectFrom("trustedCertificates").select(["fingerprint256", "subject", "issuer", "validTo", "pem"]).orderBy("fingerprint256").execute(),
    ]),
  );
  const username = new Map(users.map((u) => [u.id, u.username]));
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const usedUsers = new Set<string>();
  const usedGroups = new Set<string>();
  const creator = (id: string | null) => {
    const name = id ? username.get(id) : undefined;
    if (name) usedUsers.add(name);
    return name ?? null;
  };

  const salt = crypto.randomBytes(16);
  const kdf = DEFAULT_KDF;
  const key = derive(passphrase, salt, kdf);

  const data: ExportData = {
    users: [],
    groups: [],
    apps: apps.map((a) => ({ id: a.id, name: a.name, description: a.description, iconUrl: a.iconUrl, href: a.href, pingUrl: a.pingUrl, createdBy: creator(a.createdBy), createdAt: Number(a.createdAt) })),
    integrations: integrations.map((i) => ({
      id: i.id,
      name: i.name,
      kind: i.kind,
      url: i.url,
      appId: i.appId,
      createdBy: creator(i.createdBy),
      createdAt: Number(i.createdAt),
      updatedAt: Number(i.updatedAt),
      secrets: secrets
        .filter((s) => s.integrationId === i.id)
        .map((s) => ({
          kind: s.kind as (typeof SECRET_KINDS)[number],
          value: seal(key.enc, keyring.open(s.value, secretAad(i.id, s.kind)), exportAad(i.id, s.kind)),
          updatedAt: Number(s.updatedAt),
        })),
      permissions: {
        users: userPerms
          .filter((p) => p.integrationId === i.id)
          .map((p) => ({ username: username.get(p.userId)!, permission: levelName(Number(p.level))! }))
          .filter((p) => p.username && p.permission)
          .sort((a, b) => a.username.localeCompare(b.username)),
        groups: groupPerms
          .filter((p) => p.integrationId === i.id)
          .map((p) => ({ name: groupName.get(p.groupId)!, permission: levelName(Number(p.level))! }))
          .filter((p) => p.name && p.permission)
          .sort((a, b) => a.name.localeCompare(b.name)),
      },
    })),
    searchEngines: engines.map((e) => ({
      ...engineView(e),
      createdBy: creator(e.createdBy),
      createdAt: Number(e.createdAt),
    })),
    trustedCertificates: certs,
  };
  for (const i of data.integrations) {
    for (const u of i.permissions.users) usedUsers.add(u.username);
    for (const g of i.permissions.groups) usedGroups.add(g.name);
  }
  data.users = [...usedUsers].sort().map((u) => ({ username: u }));
  data.groups = [...usedGroups].sort().map((name) => ({ name }));

  const document = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    encryption: { kdf: "scrypt" as const, ...kdf, salt: salt.toString("base64url"), cipher: "aes-256-gcm" as const, check: seal(key.enc, CHECK_PLAINTEXT, CHECK_AAD) },
    data,
    mac: macOf(key.mac, data),
  };
  return {
    document,
    counts: { integrations: data.integrations.length, secrets: secrets.length, apps: data.apps.length, searchEngines: data.searchEngines.length, trustedCertificates: certs.length },
  };
}

export interface ImportReport {
  integrations: { created: number; updated: number };
  apps: { created: number; updated: number };
  searchEngines: { created: number; updated: number };
  groupsCreated: string[];
  trustedCertificatesAdded: number;
  warnings: string[];
}

/** Parses and opens an export: wrong passphrase, damaged or edited files and unknown kinds are refused before anything is written. */
export function openExport(text: string, passphrase: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OperatorError("the file is not a Patchbay export (it is not JSON)");
  }
  if (!raw || typeof raw !== "object" || (raw as { format?: unknown }).format !== EXPORT_FORMAT) {
    throw new OperatorError(`the file is not a Patchbay export (no "format": "${EXPORT_FORMAT}")`);
  }
  if ((raw as { version?: unknown }).version !== EXPORT_VERSION) {
    throw new OperatorError(`the export has version ${JSON.stringify((raw as { version?: unknown }).version)}; this Patchbay reads version ${EXPORT_VERSION}`);
  }
  const doc = documentSchema.safeParse(raw);
  if (!doc.success) throw new OperatorError(`the export is damaged: ${doc.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const { encryption } = doc.data;
  const key = derive(passphrase, Buffer.from(encryption.salt, "base64url"), encryption);
  try {
    if (open(key.enc, encryption.check, CHECK_AAD) !== CHECK_PLAINTEXT) throw new DecryptError("check mismatch");
  } catch {
    throw new OperatorError("wrong passphrase: the export does not open with this passphrase");
  }
  const expected = macOf(key.mac, doc.data.data);
  if (expected.length !== doc.data.mac.length || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(doc.data.mac))) {
    throw new OperatorError("the export was modified or damaged after it was written (its integrity check fails); export it again");
  }
  const parsed = dataSchema.safeParse(doc.data.data);
  if (!parsed.success) throw new OperatorError(`the export is damaged: ${parsed.error.issues.map((i) => `data.${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const data = parsed.data;
  for (const i of data.integrations) {
    if (!getKind(i.kind)) throw new OperatorError(`integration "${i.name}" has the kind "${i.kind}", which this Patchbay does not know (a newer version wrote the export?)`);
  }
  // Every secret is opened before the transaction starts: a file that opens partially is not imported at all.
  const plain = new Map<string, string>();
  for (const i of data.integrations) {
    for (const s of i.secrets) {
      try {
        plain.set(`${i.id}\u0000${s.kind}`, open(key.enc, s.value, exportAad(i.id, s.kind)));
      } catch {
        throw new OperatorError(`the secret ${s.kind} of integration "${i.name}" does not open: the export is damaged`);
      }
    }
  }
  return { data, plain, exportedAt: doc.data.exportedAt };
}

/** `actor`: who imports (the CLI's operator); the import leaves one audit entry, in its transaction. */
export async function importInstance(deps: Deps, text: string, passphrase: string, actor: Actor = operatorActor("operator", "cli")): Promise<ImportReport> {
  const { data, plain, exportedAt } = openExport(text, passphrase);
  const report: ImportReport = {
    integrations: { created: 0, updated: 0 },
    apps: { created: 0, updated: 0 },
    searchEngines: { created: 0, updated: 0 },
    groupsCreated: [],
    trustedCertificatesAdded: 0,
    warnings: [],
  };
  const now = Date.now();
  await auditedTransaction(deps.db, actor, async (trx, record) => {
    // A retried transaction (deadlock victim) starts its report over.
    Object.assign(report, { integrations: { created: 0, updated: 0 }, apps: { created: 0, updated: 0 }, searchEngines: { created: 0, updated: 0 }, groupsCreated: [], trustedCertificatesAdded: 0, warnings: [] });
    const users = new Map((await trx.selectFrom("users").select(["id", "username"]).execute()).map((u) => [u.username, u.id]));
    const groups = new Map((await trx.selectFrom("userGroups").select(["id", "name"]).execute()).map((g) => [g.name, g.id]));
    const userId = (name: string | null) => (name ? (users.get(name) ?? null) : null);
    for (const g of data.groups) {
      if (groups.has(g.name)) continue;
      const id = newId();
      await trx.insertInto("userGroups").values({ id, name: g.name, createdAt: now }).execute();
      groups.set(g.name, id);
      report.groupsCreated.push(g.name);
    }

    for (const a of data.apps) {
      const values = { name: a.name, description: a.description, iconUrl: a.iconUrl, href: a.href, pingUrl: a.pingUrl };
      const exists = await trx.selectFrom("apps").select("id").where("id", "=", a.id).executeTakeFirst();
      if (exists) {
        await trx.updateTable("apps").set(values).where("id", "=", a.id).execute();
        report.apps.updated++;
      } else {
        await trx.insertInto("apps").values({ id: a.id, ...values, createdBy: userId(a.createdBy), createdAt: a.createdAt }).execute();
        report.apps.created++;
      }
    }

    for (const i of data.integrations) {
      let appId = i.appId;
      if (appId && !data.apps.some((a) => a.id === appId) && !(await trx.selectFrom("apps").select("id").where("id", "=", appId).executeTakeFirst())) {
        report.warnings.push(`integration "${i.name}": its app ${appId} is neither in the export nor here; imported without app`);
        appId = null;
      }
      const exists = await trx.selectFrom("integrations").select("id").where("id", "=", i.id).executeTakeFirst();
      if (exists) {
        await trx.updateTable("integrations").set({ ...nameColumns(i.name), kind: i.kind, url: i.url, appId, updatedAt: i.updatedAt }).where("id", "=", i.id).execute();
        report.integrations.updated++;
      } else {
        await trx
          .insertInto("integrations")
          .values({ id: i.id, ...nameColumns(i.name), kind: i.kind, url: i.url, appId, createdBy: userId(i.createdBy), createdAt: i.createdAt, updatedAt: i.updatedAt })
          .execute();
        report.integrations.created++;
      }
      // Secrets: re-sealed under this instance's key, bound to this integration and kind.
      await trx.deleteFrom("integrationSecrets").where("integrationId", "=", i.id).execute();
      if (i.secrets.length) {
        await trx
          .insertInto("integrationSecrets")
          .values(
            i.secrets.map((s) => ({
              integrationId: i.id,
              kind: s.kind,
              value: deps.keyring.seal(plain.get(`${i.id}\u0000${s.kind}`)!, secretAad(i.id, s.kind)),
              updatedAt: s.updatedAt,
            })),
          )
          .execute();
      }
      // Permissions: the export is authoritative for the integrations it carries (replace-all, highest level wins).
      await trx.deleteFrom("integrationUserPermissions").where("integrationId", "=", i.id).execute();
      await trx.deleteFrom("integrationGroupPermissions").where("integrationId", "=", i.id).execute();
      for (const p of i.permissions.users) {
        if (!users.has(p.username)) report.warnings.push(`integration "${i.name}": user "${p.username}" does not exist here; their ${p.permission} permission was not imported`);
      }
      const userLevels = highestLevels(i.permissions.users.filter((p) => users.has(p.username)).map((p) => ({ principalId: users.get(p.username)!, permission: p.permission })));
      const groupLevels = highestLevels(i.permissions.groups.map((p) => ({ principalId: groups.get(p.name)!, permission: p.permission })));
      if (userLevels.size) {
        await trx.insertInto("integrationUserPermissions").values([...userLevels].map(([userId, level]) => ({ integrationId: i.id, userId, level }))).execute();
      }
      if (groupLevels.size) {
        await trx.insertInto("integrationGroupPermissions").values([...groupLevels].map(([groupId, level]) => ({ integrationId: i.id, groupId, level }))).execute();
      }
    }

    for (const e of data.searchEngines) {
      let integrationId = e.integrationId;
      if (integrationId && !data.integrations.some((i) => i.id === integrationId) && !(await trx.selectFrom("integrations").select("id").where("id", "=", integrationId).executeTakeFirst())) {
        report.warnings.push(`search engine "${e.name}": its integration is not in the export; skipped`);
        continue;
      }
      let short = e.short;
      const clash = await trx.selectFrom("searchEngines").select("id").where("short", "=", short).where("id", "!=", e.id).executeTakeFirst();
      if (clash) {
        short = await uniqueShort(trx, short);
        report.warnings.push(`search engine "${e.name}": the short name "${e.short}" is taken here; imported as "${short}"`);
      }
      const values = { name: e.name, short, iconUrl: e.iconUrl, type: e.type, urlTemplate: e.urlTemplate, description: e.description, integrationId };
      const exists = await trx.selectFrom("searchEngines").select("id").where("id", "=", e.id).executeTakeFirst();
      if (exists) {
        await trx.updateTable("searchEngines").set(values).where("id", "=", e.id).execute();
        report.searchEngines.updated++;
      } else {
        await trx.insertInto("searchEngines").values({ id: e.id, ...values, createdBy: userId(e.createdBy), createdAt: e.createdAt }).execute();
        report.searchEngines.created++;
      }
    }

    for (const c of data.trustedCertificates) {
      let fingerprint256: string;
      try {
        fingerprint256 = new crypto.X509Certificate(c.pem).fingerprint256;
      } catch {
        report.warnings.push(`trusted certificate "${c.subject}" is not a valid certificate; skipped`);
        continue;
      }
      const exists = await trx.selectFrom("trustedCertificates").select("id").where("fingerprint256", "=", fingerprint256).executeTakeFirst();
      if (exists) continue;
      await trx
        .insertInto("trustedCertificates")
        .values({ id: newId(), fingerprint256, subject: c.subject.slice(0, 1024), issuer: c.issuer.slice(0, 1024), validTo: c.validTo, pem: c.pem, createdAt: now })
        .execute();
      report.trustedCertificatesAdded++;
    }
    if (report.trustedCertificatesAdded) {
      await bumpTrustVersion(trx);
    }
    // Names and counts only: the secrets stay in the file and the encrypted rows.
    await record({
      action: "instance.import",
      changes: {
        exportedAt,
        integrations: { ...report.integrations, names: data.integrations.slice(0, 50).map((i) => i.name) },
        apps: report.apps,
        searchEngines: report.searchEngines,
        groupsCreated: report.groupsCreated,
        trustedCertificatesAdded: report.trustedCertificatesAdded,
        warnings: report.warnings.length,
      },
    });
  });
  return report;
}
