import type { Db } from "../db/index.js";
import { prepared } from "../db/prepared.js";
import type { Deps } from "./deps.js";

/**
 * The per-user cache of integration lists (docs/architecture.md, "Performance"). integration.all costs what
 * the caller can see: on 10,000 integrations a user who sees 3,000 makes SQLite build 3,000 rows from a
 * permission join on every call. The rows (id, name, kind, url and the caller's level, in list order) are
 * kept per user and global level, tagged with the access revision they were read at: a counter that triggers
 * move in the same transaction as every write to integrations, permission rows, group members, groups and
 * users (migration 0008). Each call reads the counter (a primary-key lookup) first; an entry taken at the
 * same value is exactly what the query would return, on this instance or any other on the same database.
 * The counter is read before the rows: rows newer than their tag only cost one more read, never a stale one.
 * Health is not cached here: it changes with every check and is looked up for the rows returned.
 */

export interface VisibleRow {
  id: string;
  name: string;
  kind: string;
  url: string;
  level: number;
}

/** Rows held across all users (≈ 150 bytes each): the least recently used lists go first beyond this. */
export const MAX_CACHED_ROWS = 20_000;

class ListCache {
  private readonly entries = new Map<string, { revision: number; rows: readonly VisibleRow[] }>();
  private rows = 0;

  get(key: string, revision: number): readonly VisibleRow[] | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.revision !== revision) return undefined;
    // Least recently used goes first: re-insert on every hit.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.rows;
  }

  set(key: string, revision: number, rows: readonly VisibleRow[]): void {
    this.drop(key);
    if (rows.length > MAX_CACHED_ROWS) return;
    this.entries.set(key, { revision, rows });
    this.rows += rows.length;
    for (const oldest of this.entries.keys()) {
      if (this.rows <= MAX_CACHED_ROWS) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.rows -= entry.rows.length;
  }
}

const caches = new WeakMap<Db, ListCache>();
const warned = new WeakSet<Db>();

const revisionQuery = prepared([], (db: Db) => db.selectFrom("accessRevision").select(["n", "triggers"]).where("id", "=", 1));

/**
 * The caller's visible rows in list order, from the cache when the access revision has not moved since they
 * were read, else from `read` (which must return them sorted). Without the triggers (MySQL/MariaDB refused
 * them, migration 0008) every call reads.
 */
export async function cachedVisibleRows(deps: Deps, key: string, read: () => Promise<VisibleRow[]>): Promise<readonly VisibleRow[]> {
  const [revision] = await revisionQuery<{ n: number | string; triggers: number | string }>(deps.db, {});
  if (!revision || !Number(revision.triggers)) {
    if (!warned.has(deps.db)) {
      warned.add(deps.db);
      deps.log.warn("integration lists are read uncached: the database refused the triggers of migration 0008 (CREATE TRIGGER needs SUPER or log_bin_trust_function_creators with binary logging on)");
    }
    return read();
  }
  const n = Number(revision.n);
  let cache = caches.get(deps.db);
  if (!cache) caches.set(deps.db, (cache = new ListCache()));
  const hit = cache.get(key, n);
  if (hit) return hit;
  const rows = await read();
  cache.set(key, n, rows);
  return rows;
}

/** Empties this database's list cache: `npm run bench` measures what a read costs after a write. */
export function clearListCache(db: Db): void {
  caches.delete(db);
}
