import { sql } from "kysely";
import type { Deps } from "../../src/services/deps.js";

/**
 * Runs `fn` while a trigger makes every INSERT/UPDATE on `table` fail — an injected failure inside a
 * transaction, written for each dialect (the API suites run on all three).
 */
export async function withFailingTrigger(deps: Pick<Deps, "db" | "dialect">, table: string, event: "INSERT" | "UPDATE", fn: () => Promise<void>) {
  const db = deps.db;
  if (deps.dialect === "sqlite") {
    await sql.raw(`CREATE TRIGGER inject_failure BEFORE ${event} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).execute(db);
  } else if (deps.dialect === "postgres") {
    await sql.raw(`CREATE OR REPLACE FUNCTION inject_failure() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql`).execute(db);
    await sql.raw(`CREATE TRIGGER inject_failure BEFORE ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION inject_failure()`).execute(db);
  } else {
    await sql.raw(`CREATE TRIGGER inject_failure BEFORE ${event} ON ${table} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'`).execute(db);
  }
  try {
    await fn();
  } finally {
    await sql.raw(deps.dialect === "postgres" ? `DROP TRIGGER inject_failure ON ${table}` : "DROP TRIGGER inject_failure").execute(db);
  }
}
