import type { Db } from "../db/index.js";
import { prepared } from "../db/prepared.js";
import type { Deps } from "./deps.js";
import { HEALTH_COLUMNS, healthOfRow, type Health, type RawHealthRow } from "./health.js";

/**
 * The caches of the integration lists (docs/architecture.md, "Performance"). integration.all costs what the
 * caller can see: on 10,000 integrations a user who sees 3,000 makes the database build 3,000 rows from a
 * permission join, and 3,000 health rows, on every call. Both are kept per instance, tagged with the counters
 * of migration 0008 that triggers move in the same transaction as every write:
 * - the caller's visible rows (id, name, kind, url and level, in list order), per user and global level,
 *   valid while the `access` counter stays where they were read;
 * - a mirror of the health table, brought up to date by reading the rows whose `rev` is above the `health`
 *   counter it last saw (checks change a few rows at a time).
 * Each call reads both counters first (one primary-key lookup): what it then serves is what the queries would
 * return, on this instance or any other on the same database, whoever wrote (test/api/list-cache.test.ts).
 * Counters are read before the rows: rows newer than their tag only cost one more read, never a stale one.
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

const revisionsQuery = prepared([], (db: Db) => db.selectFrom("listRevisions").select(["name", "n", "triggers"]));
const healthSinceQuery = prepared(["since"], (db: Db, p) => db.selectFrom("integrationHealth").select(HEALTH_COLUMNS).where("rev", ">", p.since));

/** The instance's copy of the health table and the `health` counter it has caught up to (-1: nothing read). */
interface HealthMirror {
  seen: number;
  byId: Map<string, Health>;
}
const mirrors = new WeakMap<Db, HealthMirror>();

/** The counters of migration 0008: `access` tags the visible rows, `health` the health mirror. */
export interface Revisions {
  access: number;
  health: number;
}

/** Reads both counters (one statement); undefined without their triggers (MySQL/MariaDB may refuse them). */
export async function listRevisions(deps: Deps): Promise<Revisions | undefined> {
  const counters = await revisionsQuery<{ name: string; n: number | string; triggers: number | string }>(deps.db, {});
  const access = counters.find((c) => c.name === "access");
  const health = counters.find((c) => c.name === "health");
  if (!access || !health || !Number(access.triggers)) {
    if (!warned.has(deps.db)) {
      warned.add(deps.db);
      deps.log.warn("integration lists are read uncached: the database refused the triggers of migration 0008 (CREATE TRIGGER needs SUPER or log_bin_trust_function_creators with binary logging on)");
    }
    return undefined;
  }
  return { access: Number(access.n), health: Number(health.n) };
}

/**
 * The caller's visible rows in list order and the health of every integration, from the caches when the
 * counters allow, else from `read` (which must return the rows sorted). Without the triggers returns
 * undefined: the caller reads everything itself.
 */
export async function cachedList(deps: Deps, key: string, read: () => Promise<VisibleRow[]>): Promise<{ rows: readonly VisibleRow[]; health: ReadonlyMap<string, Health> } | undefined> {
  const revisions = await listRevisions(deps);
  if (!revisions) return undefined;
  let cache = caches.get(deps.db);
  if (!cache) caches.set(deps.db, (cache = new ListCache()));
  let rows = cache.get(key, revisions.access);
  if (!rows) {
    rows = await read();
    cache.set(key, revisions.access, rows);
  }
  return { rows, health: await healthMirror(deps, revisions.health) };
}

/** The instance's copy of the health table, caught up to the `health` counter read just before. */
export async function healthMirror(deps: Deps, current: number): Promise<ReadonlyMap<string, Health>> {
  let mirror = mirrors.get(deps.db);
  if (!mirror) mirrors.set(deps.db, (mirror = { seen: -1, byId: new Map() }));
  if (mirror.seen === current) return mirror.byId;
  const changed = await healthSinceQuery<RawHealthRow>(deps.db, { since: mirror.seen });
  for (const r of changed) mirror.byId.set(r.integration_id, healthOfRow(r));
  // Concurrent catch-ups apply the same rows; the counter only moves forward.
  mirror.seen = Math.max(mirror.seen, current);
  return mirror.byId;
}

/**
 * Empties this database's cache of visible rows (not the health mirror, which no write to integrations or
 * permissions touches): `npm run bench` measures what a list costs right after such a write.
 */
export function clearListCache(db: Db): void {
  caches.delete(db);
}
