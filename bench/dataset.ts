import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { loadConfig, type Config } from "../src/config.js";
import { LEVELS } from "../src/auth/permissions.js";
import { hashPassword, tokenHash } from "../src/auth/tokens.js";
import { kindIds, getKind } from "../src/kinds/index.js";
import type { Db } from "../src/db/index.js";
import { createDeps } from "../src/server/start.js";
import type { Deps } from "../src/services/deps.js";
import { sealSecret } from "../src/services/secrets.js";
import { Prng } from "./prng.js";
import { nameColumns } from "../src/services/search-name.js";
import { freshDatabase } from "./lib/database.js";

/**
 * The seeded data sets of issue 7. Everything is generated from a fixed seed and written straight through
 * kysely, in multi-row inserts inside one transaction per table; secrets are sealed with the instance's
 * real keyring, so the rows are exactly what the API would have written.
 */
export interface DatasetSpec {
  name: "small" | "medium" | "large";
  integrations: number;
  users: number;
  groups: number;
  apps: number;
  groupsPerUser: number;
  userRowsPerIntegration: number;
  groupRowsPerIntegration: number;
}

const proportions = { groupsPerUser: 3, userRowsPerIntegration: 5, groupRowsPerIntegration: 3 };
export const DATASETS: Record<DatasetSpec["name"], DatasetSpec> = {
  small: { name: "small", integrations: 100, users: 10, groups: 5, apps: 20, ...proportions },
  medium: { name: "medium", integrations: 1_000, users: 200, groups: 50, apps: 200, ...proportions },
  large: { name: "large", integrations: 10_000, users: 1_000, groups: 100, apps: 2_000, ...proportions },
};

export const SEED = 0x9a7cb4e1;
export const ADMIN = { username: "admin", password: "bench-admin-password" };
/** Words in integration names; `search` looks for one of them (about a tenth of the names). */
export const NAME_WORDS = ["Living Room", "Basement", "NAS", "Cloud", "Media", "Backup", "Kids", "Office", "Garage", "Attic"];
export const SEARCH_QUERY = "garage";

export interface Dataset {
  spec: DatasetSpec;
  dataDir: string;
  /** The server database of this data set (BENCH_DATABASE_URL); undefined on SQLite (a file in dataDir). */
  databaseUrl: string | undefined;
  dropDatabase: () => Promise<void>;
  /** SECRET_ENCRYPTION_KEY of the instance (64 hex), for the server process started on the same dir. */
  keyHex: string;
  deps: Deps;
  adminId: string;
  adminToken: string;
  /** The measured user: no global permission, full access to every 4th integration through its own rows. */
  userId: string;
  userToken: string;
  /** The integrations the measured user has full access to (byId, permissions, saves cycle through them). */
  fullIds: string[];
  otherUserIds: string[];
  groupIds: string[];
  rows: Record<string, number>;
  seedMs: number;
}

let passwordHash: Promise<string> | undefined;

type UserRow = { id: string; username: string; email: string | null; name: string | null; image: string | null; passwordHash: string; createdAt: number };

export function benchLogger() {
  // The server's default level (info), written to /dev/null: log formatting costs what it costs in production.
  return pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true }));
}

export function benchConfig(dataDir: string, keyHex: string, overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    host: "127.0.0.1",
    port: 0,
    dataDir,
    databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
    encryptionKeyHex: keyHex,
    adminUsername: ADMIN.username,
    adminPassword: ADMIN.password,
    ...overrides,
  };
}

async function insertBatched(db: Db, table: string, rows: Record<string, unknown>[], batch = 500): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += batch) {
      // Table names vary here; the rows are built to match each table's columns below.
      await trx.insertInto(table as "users").values(rows.slice(i, i + batch) as never).execute();
    }
  });
}

/** Creates a fresh instance (migrations, first admin) in a temp dir and fills it with the data set. */
export async function seedDataset(spec: DatasetSpec): Promise<Dataset> {
  const started = performance.now();
  const rng = new Prng(SEED ^ spec.integrations);
  const keyHex = rng.hex(32);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `patchbay-bench-${spec.name}-`));
  // On a server database (BENCH_DATABASE_URL) each data set gets a database of its own, dropped afterwards.
  const fresh = await freshDatabase(process.env.BENCH_DATABASE_URL || undefined);
  const deps = await createDeps(benchConfig(dataDir, keyHex, { databaseUrl: fresh.url }), benchLogger());
  const db = deps.db;
  const admin = await db.selectFrom("users").select("id").where("username", "=", ADMIN.username).executeTakeFirstOrThrow();
  const now = Date.now();
  passwordHash ??= hashPassword("bench-user-password");
  const hash = await passwordHash;

  const userId = rng.id();
  const users: UserRow[] = [{ id: userId, username: "bench-user", email: null, name: "Measured User", image: null, passwordHash: hash, createdAt: now }];
  for (let i = 1; i < spec.users; i++) {
    const n = String(i).padStart(4, "0");
    users.push({ id: rng.id(), username: `user${n}`, email: `user${n}@example.test`, name: `User ${n}`, image: null, passwordHash: hash, createdAt: now + i });
  }
  const otherUserIds = users.slice(1).map((u) => u.id);
  const groups = Array.from({ length: spec.groups }, (_, i) => ({ id: rng.id(), name: `group-${String(i + 1).padStart(3, "0")}`, createdAt: now + i }));
  const groupIds = groups.map((g) => g.id);
  const members = users.flatMap((u) => rng.sample(groupIds, spec.groupsPerUser).map((groupId) => ({ groupId, userId: u.id })));
  const apps = Array.from({ length: spec.apps }, (_, i) => ({
    id: rng.id(),
    name: `App ${i + 1}`,
    description: rng.next() < 0.5 ? `Dashboard tile ${i + 1}` : null,
    iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/homarr.svg",
    href: `http://10.1.${(i >> 8) & 255}.${i & 255}/`,
    pingUrl: null,
    createdBy: admin.id,
    createdAt: now + i,
  }));

  const integrations: Record<string, unknown>[] = [];
  const secrets: Record<string, unknown>[] = [];
  const userRows: Record<string, unknown>[] = [];
  const groupRows: Record<string, unknown>[] = [];
  const fullIds: string[] = [];
  const health: Record<string, unknown>[] = [];
  for (let i = 0; i < spec.integrations; i++) {
    const id = rng.id();
    const kind = rng.pick(kindIds);
    const def = getKind(kind)!;
    integrations.push({
      id,
      ...nameColumns(`${def.name} ${rng.pick(NAME_WORDS)} ${i + 1}`),
      kind,
      url: `http://10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}:${def.defaultPort ?? 8080}`,
      appId: apps.length && rng.next() < 0.5 ? rng.pick(apps).id : null,
      createdBy: admin.id,
      createdAt: now + i,
      updatedAt: now + i,
    });
    // 1–2 secrets: one of the kind's own secret sets that has one or two members.
    const options = def.secretOptions.filter((o) => o.length >= 1 && o.length <= 2);
    for (const secretKind of rng.pick(options)) {
      secrets.push({ integrationId: id, kind: secretKind, value: sealSecret(deps.keyring, id, secretKind, `bench-${secretKind}-${rng.hex(12)}`), updatedAt: now });
    }
    const rowUsers = i % 4 === 0 ? rng.sample(otherUserIds, spec.userRowsPerIntegration - 1) : rng.sample(otherUserIds, spec.userRowsPerIntegration);
    if (i % 4 === 0) {
      userRows.push({ integrationId: id, userId, level: LEVELS.full });
      fullIds.push(id);
    }
    for (const u of rowUsers) userRows.push({ integrationId: id, userId: u, level: rng.int(1, 3) });
    for (const g of rng.sample(groupIds, spec.groupRowsPerIntegration)) groupRows.push({ integrationId: id, groupId: g, level: rng.int(1, 3) });
    // A running server has checked every integration (src/services/health.ts): every tenth one failing.
    // Derived from i, not the PRNG, so the rest of the data set stays what it was before health was seeded.
    const failing = i % 10 === 9;
    health.push({
      integrationId: id,
      status: failing ? "failing" : "ok",
      checkedAt: now - (i % 300) * 1000,
      latencyMs: failing ? null : 5 + (i % 90),
      version: failing ? null : `4.${i % 7}.${i % 13}`,
      code: failing ? "CONNECTION_REFUSED" : null,
      message: failing ? "Connection refused: is the service running and the port right?" : null,
      warning: null,
      failures: failing ? 3 : 0,
      notified: failing ? 1 : 0,
      certNotified: null,
    });
  }

  const adminToken = `pb_bench_admin_${rng.hex(16)}`;
  const userToken = `pb_bench_user_${rng.hex(16)}`;
  const apiKeys = [
    { id: rng.id(), userId: admin.id, name: "bench", tokenHash: tokenHash(adminToken), createdAt: now, lastUsedAt: null },
    { id: rng.id(), userId, name: "bench", tokenHash: tokenHash(userToken), createdAt: now, lastUsedAt: null },
  ];

  await insertBatched(db, "users", users);
  await insertBatched(db, "userGroups", groups);
  await insertBatched(db, "groupMembers", members);
  await insertBatched(db, "apps", apps);
  await insertBatched(db, "integrations", integrations);
  await insertBatched(db, "integrationSecrets", secrets);
  await insertBatched(db, "integrationUserPermissions", userRows);
  await insertBatched(db, "integrationGroupPermissions", groupRows);
  await insertBatched(db, "integrationHealth", health);
  await insertBatched(db, "apiKeys", apiKeys);
  if (deps.dialect === "sqlite") await sqlAnalyze(db);

  return {
    spec,
    dataDir,
    databaseUrl: fresh.url,
    dropDatabase: fresh.drop,
    keyHex,
    deps,
    adminId: admin.id,
    adminToken,
    userId,
    userToken,
    fullIds,
    otherUserIds,
    groupIds,
    rows: {
      users: users.length + 1,
      groups: groups.length,
      groupMembers: members.length,
      apps: apps.length,
      integrations: integrations.length,
      integrationSecrets: secrets.length,
      integrationUserPermissions: userRows.length,
      integrationGroupPermissions: groupRows.length,
      integrationHealth: health.length,
    },
    seedMs: performance.now() - started,
  };
}

/**
 * Nothing: the server never runs ANALYZE either, so the bench measures the query plans a real instance
 * gets. Kept as a named step so a proposed fix (ANALYZE / PRAGMA optimize) can be tried on a local copy.
 */
async function sqlAnalyze(_db: Db): Promise<void> {
  if (process.env.BENCH_ANALYZE === "1") {
    const { sql } = await import("kysely");
    await sql`analyze`.execute(_db);
  }
}

export async function removeDataset(ds: Pick<Dataset, "dataDir" | "dropDatabase">): Promise<void> {
  fs.rmSync(ds.dataDir, { recursive: true, force: true });
  await ds.dropDatabase();
}
