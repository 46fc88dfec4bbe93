import crypto from "node:crypto";

/** Shared by the tests (test/helpers/database.ts) and the bench (BENCH_DATABASE_URL: one database per data set).
 * A new empty database on the given server (default: the dialect under test); undefined url = SQLite. */
export async function freshDatabase(serverUrl: string | undefined): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (!serverUrl) return { url: undefined, drop: async () => undefined };
  const dialect = /^postgres/.test(serverUrl) ? "postgres" : "mysql";
  const name = `pb_${crypto.randomBytes(6).toString("hex")}`;
  const url = new URL(serverUrl);
  const admin = (statement: string) => adminQuery(serverUrl, statement);
  await admin(dialect === "postgres" ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(dialect === "postgres" ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`),
  };
}

/** Runs one statement (CREATE/DROP DATABASE) on a PostgreSQL or MySQL/MariaDB server as its admin user. */
export async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  if (/^postgres/.test(serverUrl)) {
    const pg = await import("pg");
    const client = new pg.default.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  } else {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.default.createConnection({ uri: serverUrl.replace(/^mariadb:/, "mysql:") });
    try {
      await conn.query(statement);
    } finally {
      await conn.end();
    }
  }
}
