import { freshDatabase as freshOn } from "../../bench/lib/database.js";

/**
 * The dialect under test. `TEST_DATABASE_URL` (a PostgreSQL or MySQL/MariaDB server URL) runs every API
 * suite on that server, each Patchbay in a fresh database of its own; unset means SQLite in a temp dir.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const testDialect: "sqlite" | "postgres" | "mysql" = !testDatabaseUrl
  ? "sqlite"
  : /^postgres/.test(testDatabaseUrl)
    ? "postgres"
    : "mysql";

/** A new empty database on the given server (default: the dialect under test); undefined url = SQLite. */
export const freshDatabase = (serverUrl = testDatabaseUrl) => freshOn(serverUrl);
