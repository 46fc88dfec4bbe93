import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate, openDatabase, type DialectName, type OpenedDb } from "../../src/db/index.js";
import { migrations } from "../../src/db/migrations.js";
import { adminQuery } from "../../bench/lib/database.js";

/**
 * Schema parity: the one migration list must build the same schema on SQLite, PostgreSQL and MySQL/MariaDB.
 * Each dialect's catalog is read into a normalised description (tables, columns with nullability and a type
 * class, primary keys, unique and plain indexes, foreign keys with their ON DELETE rule; names of indexes and
 * constraints are ignored) and the three descriptions must be deep-equal. Known facts are asserted as well,
 * so an empty or broken extraction cannot pass.
 *
 * PG_URL / MYSQL_URL are server URLs (e.g. postgres://ptest@127.0.0.1:55432/ptest and
 * mysql://ptest:ptest@127.0.0.1:53306/ptest); each test creates and drops a database of its own there.
 */
const PG_URL = process.env.PG_URL || undefined;
const MYSQL_URL = process.env.MYSQL_URL || undefined;

if (!PG_URL) {
  console.warn(
    "[schema-parity] PG_URL is not set: SKIPPING the PostgreSQL schema-parity and migration-race tests. " +
      "Start a throwaway server with `bash scripts/pg-start.sh` and run with PG_URL=postgres://ptest@127.0.0.1:55432/ptest",
  );
}
if (!MYSQL_URL) {
  console.warn(
    "[schema-parity] MYSQL_URL is not set: SKIPPING the MySQL/MariaDB schema-parity and migration-race tests. " +
      "Start a throwaway server with `bash scripts/mariadb-start.sh` and run with MYSQL_URL=mysql://ptest:ptest@127.0.0.1:53306/ptest",
  );
}

type TypeClass = "string" | "text" | "bigint" | "integer";
interface ColumnDescription {
  name: string;
  nullable: boolean;
  type: TypeClass | `unknown:${string}`;
}
interface IndexDescription {
  columns: string[];
  unique: boolean;
}
interface ForeignKeyDescription {
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
}
interface TableDescription {
  /** In declaration (ordinal) order. */
  columns: ColumnDescription[];
  primaryKey: string[];
  /** Unique constraints and plain indexes, not the primary key; sorted. */
  indexes: IndexDescription[];
  /** Sorted. */
  foreignKeys: ForeignKeyDescription[];
}
type SchemaDescription = Record<string, TableDescription>;

const isBookkeeping = (table: string) => table.startsWith("patchbay_migrations");
/**
 * Search accelerators of 0007_search_trigram exist on some dialects only (SQLite's FTS5 trigram table with its
 * shadow tables and triggers, PostgreSQL's pg_trgm GIN index; none on MySQL/MariaDB): they are left out of
 * the compared description and asserted on their own (searchAccelerators).
 */
const isSearchAccelerator = (table: string) => table.startsWith("integrations_name_trigram");

function typeClass(raw: string): ColumnDescription["type"] {
  const t = raw.toLowerCase().trim();
  if (/^(varchar|character varying|nvarchar)\b/.test(t)) return "string";
  if (t === "text") return "text";
  if (t === "bigint") return "bigint";
  if (t === "integer" || t === "int") return "integer";
  return `unknown:${t}`;
}

function normaliseRule(rule: string): string {
  return rule.toUpperCase().replace(/_/g, " ").trim();
}

const byJson = <T>(a: T, b: T) => JSON.stringify(a).localeCompare(JSON.stringify(b));

function finish(tables: Map<string, TableDescription>): SchemaDescription {
  const out: SchemaDescription = {};
  for (const name of [...tables.keys()].sort()) {
    const t = tables.get(name)!;
    t.indexes.sort(byJson);
    t.foreignKeys.sort(byJson);
    out[name] = t;
  }
  return out;
}

function emptyTables(names: string[]): Map<string, TableDescription> {
  const m = new Map<string, TableDescription>();
  for (const n of names.filter((n) => !isBookkeeping(n) && !isSearchAccelerator(n))) m.set(n, { columns: [], primaryKey: [], indexes: [], foreignKeys: [] });
  return m;
}

/** Groups rows by a key, keeping the first-seen order of keys. */
function groupBy<R>(rows: R[], key: (r: R) => string): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    const k = key(r);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(r);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------
// SQLite: pragmas table_info / index_list / index_info / foreign_key_list.

async function describeSqlite(db: Kysely<any>): Promise<SchemaDescription> {
  const q = async <R>(text: string) => (await sql.raw<R>(text).execute(db)).rows;
  const names = await q<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  const tables = emptyTables(names.map((r) => r.name));
  for (const [table, t] of tables) {
    const lit = `'${table.replace(/'/g, "''")}'`;
    const cols = await q<{ cid: number; name: string; type: string; notnull: number; pk: number }>(`SELECT * FROM pragma_table_info(${lit}) ORDER BY cid`);
    t.columns = cols.map((c) => ({ name: c.name, nullable: c.notnull === 0, type: typeClass(c.type) }));
    t.primaryKey = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);

    const indexes = await q<{ name: string; unique: number; origin: string }>(`SELECT * FROM pragma_index_list(${lit})`);
    for (const ix of indexes) {
      // origin 'pk' is the primary key's own index (described as primaryKey); 'u' a UNIQUE constraint; 'c' CREATE INDEX.
      if (ix.origin === "pk") continue;
      const info = await q<{ seqno: number; name: string }>(`SELECT * FROM pragma_index_info('${ix.name.replace(/'/g, "''")}') ORDER BY seqno`);
      t.indexes.push({ columns: info.map((i) => i.name), unique: ix.unique === 1 });
    }

    const fks = await q<{ id: number; seq: number; table: string; from: string; to: string; on_delete: string }>(
      `SELECT * FROM pragma_foreign_key_list(${lit}) ORDER BY id, seq`,
    );
    for (const rows of groupBy(fks, (r) => String(r.id)).values()) {
      t.foreignKeys.push({
        columns: rows.map((r) => r.from),
        referencedTable: rows[0]!.table,
        referencedColumns: rows.map((r) => r.to),
        onDelete: normaliseRule(rows[0]!.on_delete),
      });
    }
  }
  return finish(tables);
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL: pg_catalog (current schema only).

async function describePostgres(db: Kysely<any>): Promise<SchemaDescription> {
  const q = async <R>(text: string) => (await sql.raw<R>(text).execute(db)).rows;
  const names = await q<{ name: string }>(`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`);
  const tables = emptyTables(names.map((r) => r.name));

  const cols = await q<{ tbl: string; name: string; notnull: boolean; type: string }>(`
    SELECT c.relname AS tbl, a.attname AS name, a.attnotnull AS notnull, format_type(a.atttypid, NULL) AS type
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  for (const c of cols) tables.get(c.tbl)?.columns.push({ name: c.name, nullable: !c.notnull, type: typeClass(c.type) });

  // Every index, including those behind PRIMARY KEY and UNIQUE constraints; expression indexes would show a null column.
  const idx = await q<{ tbl: string; primary: boolean; unique: boolean; columns: string[]; method: string }>(`
    SELECT t.relname AS tbl, ix.indisprimary AS primary, ix.indisunique AS unique,
      (SELECT am.amname FROM pg_class ic JOIN pg_am am ON am.oid = ic.relam WHERE ic.oid = ix.indexrelid) AS method,
      ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
    FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema()`);
  for (const i of idx) {
    const t = tables.get(i.tbl);
    if (!t || i.method === "gin") continue; // the pg_trgm search accelerator (isSearchAccelerator)
    if (i.primary) t.primaryKey = i.columns;
    else t.indexes.push({ columns: i.columns, unique: i.unique });
  }

  const fks = await q<{ tbl: string; reftbl: string; columns: string[]; refcolumns: string[]; ondelete: string }>(`
    SELECT c.relname AS tbl, rc.relname AS reftbl,
      ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
      ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS refcolumns,
      CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
        WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS ondelete
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class rc ON rc.oid = con.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE con.contype = 'f' AND n.nspname = current_schema()`);
  for (const f of fks) {
    tables.get(f.tbl)?.foreignKeys.push({ columns: f.columns, referencedTable: f.reftbl, referencedColumns: f.refcolumns, onDelete: normaliseRule(f.ondelete) });
  }
  return finish(tables);
}

// ---------------------------------------------------------------------------------------------------------
// MySQL / MariaDB: information_schema (current database only).

async function describeMysql(db: Kysely<any>): Promise<SchemaDescription> {
  const q = async <R>(text: string) => (await sql.raw<R>(text).execute(db)).rows;
  const names = await q<{ name: string }>("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'");
  const tables = emptyTables(names.map((r) => r.name));

  const cols = await q<{ tbl: string; name: string; nullable: string; type: string }>(`
    SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, IS_NULLABLE AS nullable, DATA_TYPE AS type
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`);
  for (const c of cols) tables.get(c.tbl)?.columns.push({ name: c.name, nullable: c.nullable === "YES", type: typeClass(c.type) });

  const fkRows = await q<{ tbl: string; name: string; col: string; reftbl: string; refcol: string; ondelete: string }>(`
    SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS reftbl,
      k.REFERENCED_COLUMN_NAME AS refcol, r.DELETE_RULE AS ondelete
    FROM information_schema.KEY_COLUMN_USAGE k
      JOIN information_schema.REFERENTIAL_CONSTRAINTS r
        ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
    WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
    ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`);
  const fksByTable = new Map<string, { name: string; fk: ForeignKeyDescription }[]>();
  for (const [, rows] of groupBy(fkRows, (r) => `${r.tbl}\u0000${r.name}`)) {
    const first = rows[0]!;
    const fk: ForeignKeyDescription = {
      columns: rows.map((r) => r.col),
      referencedTable: first.reftbl,
      referencedColumns: rows.map((r) => r.refcol),
      onDelete: normaliseRule(first.ondelete),
    };
    if (!fksByTable.has(first.tbl)) fksByTable.set(first.tbl, []);
    fksByTable.get(first.tbl)!.push({ name: first.name, fk });
    tables.get(first.tbl)?.foreignKeys.push(fk);
  }

  const idxRows = await q<{ tbl: string; name: string; nonunique: number | string; col: string }>(`
    SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS nonunique, COLUMN_NAME AS col
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`);
  for (const [, rows] of groupBy(idxRows, (r) => `${r.tbl}\u0000${r.name}`)) {
    const { tbl, name } = rows[0]!;
    const t = tables.get(tbl);
    if (!t) continue;
    const columns = rows.map((r) => r.col);
    const unique = Number(rows[0]!.nonunique) === 0;
    if (name === "PRIMARY") {
      t.primaryKey = columns;
      continue;
    }
    // InnoDB needs an index whose leading columns are a foreign key's columns; when CREATE TABLE declares a
    // foreign key that no index serves yet, it silently creates a plain index exactly on the FK columns.
    // SQLite and PostgreSQL create no such index, so it is not part of what the migrations declare. MySQL
    // names that index after the CONSTRAINT symbol when there is one, else after the first FK column (kysely's
    // inline `references()` declares no symbol, so the name is the column's). Only an index matching one FK
    // in both name and exact column list, and not unique, is dropped here; every index the migrations create
    // is named `*_idx` or is a UNIQUE constraint, so none of them can match.
    const autoFkIndex = (fksByTable.get(tbl) ?? []).some(
      ({ name: fkName, fk }) => !unique && (name === fkName || name === fk.columns[0]) && JSON.stringify(fk.columns) === JSON.stringify(columns),
    );
    if (autoFkIndex) continue;
    t.indexes.push({ columns, unique });
  }
  return finish(tables);
}

// ---------------------------------------------------------------------------------------------------------
// Fresh databases.

interface Fresh {
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

async function freshDatabase(dialect: DialectName): Promise<Fresh> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-parity-"));
  if (dialect === "sqlite") {
    return { url: undefined, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const serverUrl = dialect === "postgres" ? PG_URL! : MYSQL_URL!;
  const name = `pb_parity_${crypto.randomBytes(6).toString("hex")}`;
  await adminQuery(
    serverUrl,
    dialect === "postgres" ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    drop: async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await adminQuery(serverUrl, dialect === "postgres" ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** Fresh database → openDatabase() → migrate() → catalog description. */
/** What 0007_search_trigram built, per dialect, in words (filled by migratedDescription). */
const accelerators: Partial<Record<DialectName, string[]>> = {};

async function searchAccelerators(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  if (dialect === "sqlite") {
    const rows = (await sql<{ type: string; name: string; sql: string | null }>`SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'integrations_name_trigram%' ORDER BY name`.execute(db)).rows;
    return rows.filter((r) => r.type === "trigger" || /fts5/i.test(r.sql ?? "")).map((r) => `${r.type} ${r.name}${/tokenize = 'trigram'/.test(r.sql ?? "") ? " (fts5 trigram)" : ""}`);
  }
  if (dialect === "postgres") {
    const rows = (await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '%gin_trgm_ops%'`.execute(db)).rows;
    return rows.map((r) => r.indexdef.replace(/ ON \S*integrations /, " ON integrations "));
  }
  return [];
}

/** What 0008_list_revisions built, per dialect: the tables whose writes move a counter (once per event), and the flag. */
const revisionTriggers: Partial<Record<DialectName, { tables: string[]; flag: number }>> = {};

async function accessRevisionTriggers(db: Kysely<any>, dialect: DialectName): Promise<{ tables: string[]; flag: number }> {
  const q =
    dialect === "sqlite"
      ? sql<{ t: string }>`SELECT tbl_name AS t FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%list_revisions%'`
      : dialect === "postgres"
        ? sql<{ t: string }>`SELECT event_object_table AS t FROM information_schema.triggers WHERE trigger_schema = current_schema() AND (action_statement LIKE '%patchbay_bump_access()%' OR action_statement LIKE '%patchbay_health_rev()%')`
        : sql<{ t: string }>`SELECT EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND ACTION_STATEMENT LIKE '%list_revisions%'`;
  const rows = (await q.execute(db)).rows;
  const [flag] = (await sql<{ triggers: number }>`SELECT min(triggers) AS triggers FROM list_revisions`.execute(db)).rows;
  // information_schema lists a PostgreSQL trigger once per event; every dialect has one per table and event.
  return { tables: rows.map((r) => r.t).sort(), flag: Number(flag?.triggers) };
}

async function migratedDescription(dialect: DialectName): Promise<SchemaDescription> {
  const fresh = await freshDatabase(dialect);
  let opened: OpenedDb | undefined;
  try {
    opened = await openDatabase(fresh.url, fresh.dataDir);
    expect(opened.dialect).toBe(dialect);
    await migrate(opened.db);
    // The catalog queries alias their columns themselves; the CamelCasePlugin must not rename them.
    const raw = opened.db.withoutPlugins() as Kysely<any>;
    accelerators[dialect] = await searchAccelerators(raw, dialect);
    revisionTriggers[dialect] = await accessRevisionTriggers(raw, dialect);
    return dialect === "sqlite" ? await describeSqlite(raw) : dialect === "postgres" ? await describePostgres(raw) : await describeMysql(raw);
  } finally {
    await opened?.db.destroy();
    await fresh.drop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Known facts, so that matching-but-empty (or matching-but-wrong) descriptions fail.

function assertKnownFacts(d: SchemaDescription): void {
  expect(Object.keys(d)).toEqual([
    "api_keys",
    "apps",
    "audit_log",
    "dashboard_layouts",
    "group_members",
    "group_permissions",
    "health_events",
    "health_hourly",
    "health_leases",
    "integration_group_permissions",
    "integration_health",
    "integration_secrets",
    "integration_user_permissions",
    "integrations",
    "list_revisions",
    "notification_deliveries",
    "notification_targets",
    "search_engines",
    "sessions",
    "settings",
    "trusted_certificates",
    "user_groups",
    "users",
  ]);
  const secrets = d.integration_secrets!;
  expect(secrets.primaryKey).toEqual(["integration_id", "kind"]);
  expect(secrets.foreignKeys).toEqual([{ columns: ["integration_id"], referencedTable: "integrations", referencedColumns: ["id"], onDelete: "CASCADE" }]);
  expect(secrets.columns).toContainEqual({ name: "value", nullable: false, type: "text" });
  expect(secrets.columns).toContainEqual({ name: "updated_at", nullable: false, type: "bigint" });

  expect(d.search_engines!.indexes).toContainEqual({ columns: ["short"], unique: true });
  expect(d.search_engines!.foreignKeys).toContainEqual({ columns: ["created_by"], referencedTable: "users", referencedColumns: ["id"], onDelete: "SET NULL" });
  expect(d.users!.primaryKey).toEqual(["id"]);
  expect(d.dashboard_layouts!.primaryKey).toEqual(["user_id"]);
  expect(d.dashboard_layouts!.foreignKeys).toEqual([{ columns: ["user_id"], referencedTable: "users", referencedColumns: ["id"], onDelete: "CASCADE" }]);
  expect(d.dashboard_layouts!.columns).toContainEqual({ name: "layout", nullable: false, type: "text" });
  // SQLite lets a non-INTEGER PRIMARY KEY column hold NULL unless it is declared NOT NULL; PG and MySQL imply it.
  expect(d.users!.columns[0]).toEqual({ name: "id", nullable: false, type: "string" });
  expect(d.settings!.columns[0]).toEqual({ name: "key", nullable: false, type: "string" });
  expect(d.users!.indexes).toEqual([{ columns: ["username"], unique: true }]);
  expect(d.users!.columns).toContainEqual({ name: "email", nullable: true, type: "string" });
  expect(d.integration_user_permissions!.columns).toContainEqual({ name: "level", nullable: false, type: "integer" });
  // (kind, name) for lists by category; (name_lower, id) for integration.search (0006_search_index).
  expect(d.integrations!.indexes).toEqual([
    { columns: ["kind", "name"], unique: false },
    { columns: ["name_lower", "id"], unique: false },
  ]);
  expect(d.group_members!.indexes).toEqual([{ columns: ["user_id", "group_id"], unique: false }]);
  expect(d.sessions!.indexes).toEqual([{ columns: ["user_id"], unique: false }]);
  // The audit log outlives what it names: no foreign keys; every filter index ends in the (at, id) cursor.
  expect(d.audit_log!.foreignKeys).toEqual([]);
  expect(d.audit_log!.indexes).toContainEqual({ columns: ["integration_id", "at", "id"], unique: false });
  expect(d.audit_log!.indexes).toContainEqual({ columns: ["at", "id"], unique: false });
  // No dialect-specific type slipped through the classification.
  for (const [table, t] of Object.entries(d)) {
    for (const c of t.columns) expect(c.type, `${table}.${c.name}`).not.toMatch(/^unknown:/);
  }
}

// ---------------------------------------------------------------------------------------------------------

describe("schema on SQLite (always runs)", () => {
  it("migrates a fresh file and has the known tables, keys and indexes", async () => {
    assertKnownFacts(await migratedDescription("sqlite"));
  });

  it("has the FTS5 trigram search table and the triggers that keep it in step (0007_search_trigram)", () => {
    expect(accelerators.sqlite).toEqual([
      "table integrations_name_trigram (fts5 trigram)",
      "trigger integrations_name_trigram_ad",
      "trigger integrations_name_trigram_ai",
      "trigger integrations_name_trigram_au",
    ]);
  });

  it("moves the list counters on every write to a table the lists read (0008_list_revisions)", () => {
    expect(revisionTriggers.sqlite).toEqual(EXPECTED_REVISION_TRIGGERS);
  });
});

const REVISION_TABLES = ["group_members", "integration_group_permissions", "integration_user_permissions", "integrations", "user_groups", "users"];
// access: insert, update and delete of each table; health: insert and update of integration_health.
const EXPECTED_REVISION_TRIGGERS = { tables: [...REVISION_TABLES.flatMap((t) => [t, t, t]), "integration_health", "integration_health"].sort(), flag: 1 };

describe.skipIf(!PG_URL || !MYSQL_URL)("schema parity: SQLite = PostgreSQL = MySQL/MariaDB", () => {
  const described: Partial<Record<DialectName, SchemaDescription>> = {};
  beforeAll(async () => {
    const [sqlite, postgres, mysql] = await Promise.all([migratedDescription("sqlite"), migratedDescription("postgres"), migratedDescription("mysql")]);
    Object.assign(described, { sqlite, postgres, mysql });
  });

  it.each(["sqlite", "postgres", "mysql"] as const)("%s has the known tables, keys and indexes", (dialect) => {
    assertKnownFacts(described[dialect]!);
  });

  it.each(["postgres", "mysql"] as const)("%s moves the list counters on every write to a table the lists read", (dialect) => {
    expect(revisionTriggers[dialect]).toEqual(EXPECTED_REVISION_TRIGGERS);
  });

  it("search accelerators: pg_trgm GIN index on PostgreSQL (Debian ships the extension), none on MySQL/MariaDB", () => {
    expect(accelerators.postgres).toEqual(["CREATE INDEX integrations_name_trgm_idx ON integrations USING gin (name_lower gin_trgm_ops)"]);
    expect(accelerators.mysql).toEqual([]);
  });

  it("PostgreSQL matches SQLite", () => {
    expect(described.postgres).toEqual(described.sqlite);
  });

  it("MySQL/MariaDB matches SQLite", () => {
    expect(described.mysql).toEqual(described.sqlite);
  });
});

/** Two instances starting together: both migrate() calls succeed and every migration is recorded once. */
async function raceMigrations(dialect: "postgres" | "mysql"): Promise<void> {
  const fresh = await freshDatabase(dialect);
  const opened: OpenedDb[] = [];
  try {
    opened.push(await openDatabase(fresh.url, fresh.dataDir), await openDatabase(fresh.url, fresh.dataDir));
    const results = await Promise.allSettled(opened.map((o) => migrate(o.db)));
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(["ok", "ok"]);

    const raw = opened[0]!.db.withoutPlugins() as Kysely<any>;
    const recorded = (await sql<{ name: string }>`SELECT name FROM patchbay_migrations ORDER BY name`.execute(raw)).rows.map((r) => r.name);
    expect(recorded).toEqual(Object.keys(migrations).sort());
    // The data step of 0001 ran once too.
    const everyone = (await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM user_groups WHERE id = 'everyone'`.execute(raw)).rows;
    expect(Number(everyone[0]!.n)).toBe(1);
    // A third start finds nothing to do.
    await migrate(opened[1]!.db);
    const after = (await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM patchbay_migrations`.execute(raw)).rows;
    expect(Number(after[0]!.n)).toBe(Object.keys(migrations).length);
  } finally {
    await Promise.all(opened.map((o) => o.db.destroy()));
    await fresh.drop();
  }
}

describe.skipIf(!PG_URL)("concurrent migrate() on PostgreSQL", () => {
  it("two racing migrate() calls on one fresh database both succeed, one row per migration", async () => {
    await raceMigrations("postgres");
  });
});

describe.skipIf(!MYSQL_URL)("concurrent migrate() on MySQL/MariaDB", () => {
  it("two racing migrate() calls on one fresh database both succeed, one row per migration", async () => {
    await raceMigrations("mysql");
  });
});
