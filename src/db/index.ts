import fs from "node:fs";
import path from "node:path";
import {
  CamelCasePlugin,
  Kysely,
  Migrator,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  type Dialect,
  type MigrationProvider,
  type Transaction,
} from "kysely";
import type { Database } from "./schema.js";
import { ensurePrivateDir, ensurePrivateSqliteFiles } from "./files.js";
import { migrations } from "./migrations.js";

export type Db = Kysely<Database>;
export type DialectName = "sqlite" | "postgres" | "mysql";

export interface OpenedDb {
  db: Db;
  dialect: DialectName;
  /** Where the SQLite file lives (for tests and backups); undefined on server databases. */
  sqlitePath?: string;
}

/** Opens the database named by DATABASE_URL, or the SQLite file in the data dir when it is unset. */
export async function openDatabase(databaseUrl: string | undefined, dataDir: string, onTightened?: (paths: string[]) => void): Promise<OpenedDb> {
  let dialect: Dialect;
  let name: DialectName;
  let sqlitePath: string | undefined;
  if (!databaseUrl || databaseUrl.startsWith("sqlite:") || databaseUrl.startsWith("file:")) {
    const { default: SQLite } = await import("better-sqlite3");
    sqlitePath = databaseUrl ? databaseUrl.replace(/^(sqlite|file):(\/\/)?/, "") : path.join(dataDir, "patchbay.db");
    const tightened: string[] = [];
    if (sqlitePath !== ":memory:") {
      // Only the directory Patchbay owns is made private: a custom sqlite: path may sit in a shared one.
      if (!databaseUrl) tightened.push(...ensurePrivateDir(path.dirname(sqlitePath)));
      else fs.mkdirSync(path.dirname(sqlitePath), { recursive: true });
      tightened.push(...ensurePrivateSqliteFiles(sqlitePath));
    }
    if (tightened.length) onTightened?.(tightened);
    const conn = new SQLite(sqlitePath);
    conn.pragma("journal_mode = WAL");
    conn.pragma("foreign_keys = ON");
    conn.pragma("busy_timeout = 5000");
    conn.pragma("synchronous = NORMAL");
    dialect = new SqliteDialect({ database: withStatementCache(conn) });
    name = "sqlite";
  } else if (/^postgres(ql)?:/.test(databaseUrl)) {
    const pg = await import("pg");
    // BIGINT columns hold epoch millis, well inside Number's exact range.
    pg.default.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.default.Pool({ connectionString: databaseUrl, max: 10 });
    // An idle connection dropped by the server (restart, admin kill) must not crash the process; the pool
    // replaces it, and a query in flight fails on its own.
    pool.on("error", () => undefined);
    dialect = new PostgresDialect({ pool });
    name = "postgres";
  } else if (/^(mysql|mariadb):/.test(databaseUrl)) {
    const mysql = await import("mysql2");
    const pool = mysql.default.createPool({
      uri: databaseUrl.replace(/^mariadb:/, "mysql:"),
      connectionLimit: 10,
      supportBigNumbers: true,
      bigNumberStrings: false,
      charset: "utf8mb4",
    });
    dialect = new MysqlDialect({ pool });
    name = "mysql";
  } else {
    throw new Error("DATABASE_URL must start with postgres://, mysql:// or sqlite: (or be unset for the embedded SQLite)");
  }
  const db = new Kysely<Database>({ dialect, plugins: [new CamelCasePlugin()] });
  return { db, dialect: name, sqlitePath };
}

/**
 * Kysely's SQLite driver prepares every statement anew; for the small queries every request makes
 * (resolveCaller, the one-integration permission check) parsing and planning cost about as much as running
 * them. Statements are cached by their SQL text (parameters are always bound, so the set of texts is small);
 * the driver runs one query at a time, so a cached statement is never busy.
 */
function withStatementCache(conn: import("better-sqlite3").Database, max = 500) {
  const cache = new Map<string, import("better-sqlite3").Statement>();
  return {
    close: () => conn.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        // Least recently used goes first: re-insert on every hit.
        cache.delete(sql);
      } else {
        stmt = conn.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies pending migrations. Kysely takes a dialect lock (advisory lock / GET_LOCK) so two instances can start together. */
export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: "patchbay_migrations", migrationLockTableName: "patchbay_migrations_lock" });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`Database migration ${failed?.migrationName ?? ""} failed: ${(error as Error).message ?? error}`);
  }
}

/** Stable classification of constraint violations across the three drivers. */
export function constraintKind(err: unknown): "unique" | "foreignKey" | undefined {
  const e = err as { code?: string; errno?: number };
  if (!e || typeof e !== "object") return undefined;
  if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || e.code === "23505" || e.errno === 1062) {
    return "unique";
  }
  if (e.code === "SQLITE_CONSTRAINT_FOREIGNKEY" || e.code === "23503" || e.errno === 1452 || e.errno === 1451) {
    return "foreignKey";
  }
  return undefined;
}

/** Deadlocks and serialization failures: the database rolled the transaction back and it can run again. */
function retryable(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === "40P01" || e?.code === "40001" || e?.errno === 1213 || e?.errno === 1205 || e?.code?.startsWith("SQLITE_BUSY") === true;
}

/**
 * Runs writes that belong together in one transaction. Under concurrency PostgreSQL and InnoDB may pick a
 * transaction as a deadlock victim; it is rolled back whole, so it is retried a few times with jitter.
 */
export async function transaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (e) {
      if (attempt >= 5 || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
    }
  }
}
