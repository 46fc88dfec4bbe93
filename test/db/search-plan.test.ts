import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompiledQuery, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, openDatabase, type DialectName, type OpenedDb } from "../../src/db/index.js";
import { LEVELS } from "../../src/auth/permissions.js";
import type { Caller } from "../../src/services/deps.js";
import { MARIADB_SEARCH_PREFIX, searchHits, searchStatement, searchIntegrations } from "../../src/services/integrations.js";
import { principalOf } from "../../src/services/access.js";
import { searchPattern } from "../../src/services/search-name.js";
import { CANDIDATE_CAP, trigramCandidates } from "../../src/services/search-trigram.js";
import { nameColumns } from "../../src/services/search-name.js";
import { freshDatabase } from "../helpers/database.js";

/**
 * integration.search must cost what it examines, not the number of integrations (issue 17): with 10,000
 * integrations and limit 10, each dialect's plan walks integrations_name_lower_idx in name order (no sort of
 * all matches, no aggregation of the caller's permission rows) and stops after the limit. Not timed: the
 * plans and, where the database reports them, the rows actually read are asserted.
 * PG_URL / MYSQL_URL (server URLs, as for test/db/schema-parity.test.ts) add PostgreSQL and MariaDB.
 */
const PG_URL = process.env.PG_URL || undefined;
const MYSQL_URL = process.env.MYSQL_URL || undefined;
for (const [name, url] of [["PG_URL", PG_URL], ["MYSQL_URL", MYSQL_URL]]) {
  if (!url) console.warn(`[search-plan] ${name} is not set: SKIPPING that dialect (start one with scripts/pg-start.sh / scripts/mariadb-start.sh)`);
}

const N = 10_000;
const WORDS = ["Living Room", "Basement", "NAS", "Cloud", "Media", "Backup", "Kids", "Office", "Garage", "Attic"];
const me: Caller = { user: { id: "u-me", username: "me" }, permissions: new Set(), via: "apiKey", actor: { type: "apiKey", id: "u-me", name: "bench" } };

async function seed(db: OpenedDb["db"]) {
  const now = Date.now();
  await db.insertInto("users").values([
    { id: "u-me", username: "me", email: null, name: null, image: null, passwordHash: "x", createdAt: now },
    { id: "u-other", username: "other", email: null, name: null, image: null, passwordHash: "x", createdAt: now },
  ]).execute();
  await db.insertInto("userGroups").values({ id: "g-mine", name: "mine", createdAt: now }).execute();
  await db.insertInto("groupMembers").values({ groupId: "g-mine", userId: "u-me" }).execute();
  const rows = Array.from({ length: N }, (_, i) => ({
    id: `i${String(i).padStart(5, "0")}`,
    ...nameColumns(`Sonarr ${WORDS[i % WORDS.length]} ${i}`),
    kind: "sonarr",
    url: "http://127.0.0.1:9",
    appId: null,
    createdBy: null,
    createdAt: now,
    updatedAt: now,
  }));
  // Visible to me: every 4th through my own row, every 7th through my group; everything else only to another user.
  const userRows = rows.map((r, i) => ({ integrationId: r.id, userId: i % 4 === 0 ? "u-me" : "u-other", level: LEVELS.full }));
  const groupRows = rows.filter((_, i) => i % 7 === 0).map((r) => ({ integrationId: r.id, groupId: "g-mine", level: LEVELS.use }));
  for (let i = 0; i < N; i += 500) {
    await db.insertInto("integrations").values(rows.slice(i, i + 500)).execute();
    await db.insertInto("integrationUserPermissions").values(userRows.slice(i, i + 500)).execute();
  }
  for (let i = 0; i < groupRows.length; i += 500) await db.insertInto("integrationGroupPermissions").values(groupRows.slice(i, i + 500)).execute();
}

/** All names in index order (name_lower, id), computed in JavaScript from the seed's rule. */
const inIndexOrder = Array.from({ length: N }, (_, i) => ({ id: `i${String(i).padStart(5, "0")}`, name: `Sonarr ${WORDS[i % WORDS.length]} ${i}`, i }))
  .map((n) => ({ ...n, lower: n.name.toLowerCase(), visible: n.i % 4 === 0 || n.i % 7 === 0 }))
  .sort((a, b) => (a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : a.id < b.id ? -1 : 1));
const matches = (query: string) => inIndexOrder.filter((n) => n.visible && n.lower.includes(query));
const expected = (query: string, limit: number) => matches(query).slice(0, limit).map((n) => n.name);
/** How many index entries a scan that stops at the limit reads: up to and including the limit-th result. */
const entriesUpToLimit = (query: string, limit: number) => inIndexOrder.indexOf(matches(query)[limit - 1]!) + 1;

async function explain(db: Kysely<any>, prefix: string, q: CompiledQuery): Promise<any[]> {
  return (await db.executeQuery(CompiledQuery.raw(`${prefix} ${q.sql}`, [...q.parameters]))).rows as any[];
}

/** MariaDB's ANALYZE FORMAT=JSON of a statement as the service runs it (exists_to_in off), and every table access in it. */
async function mariadbAnalyze(db: Kysely<any>, q: CompiledQuery): Promise<{ doc: any; tables: any[] }> {
  const [row] = await explain(db, `${MARIADB_SEARCH_PREFIX} ANALYZE FORMAT=JSON`, q);
  const doc = JSON.parse(row.ANALYZE ?? Object.values(row)[0]);
  const tables: any[] = [];
  const walk = (n: any) => {
    if (n && typeof n === "object") {
      if (n.table) tables.push(n.table);
      Object.values(n).forEach(walk);
    }
  };
  walk(doc.query_block);
  return { doc, tables };
}

const dialects: [DialectName, string | undefined, boolean][] = [
  ["sqlite", undefined, true],
  ["postgres", PG_URL, !!PG_URL],
  ["mysql", MYSQL_URL, !!MYSQL_URL],
];

for (const [dialect, serverUrl, enabled] of dialects) {
  describe.runIf(enabled)(`integration.search on ${dialect}, ${N} integrations, limit 10`, () => {
    let opened: OpenedDb;
    let drop: () => Promise<void>;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-search-plan-"));
      const fresh = await freshDatabase(serverUrl);
      drop = fresh.drop;
      opened = await openDatabase(fresh.url, dataDir);
      await migrate(opened.db);
      await seed(opened.db);
      // Fresh statistics, as a running server's database would have them.
      if (dialect === "postgres") await opened.db.executeQuery(CompiledQuery.raw("ANALYZE"));
      if (dialect === "mysql") await opened.db.executeQuery(CompiledQuery.raw("ANALYZE TABLE integrations, integration_user_permissions, integration_group_permissions"));
      if (dialect === "sqlite") await opened.db.executeQuery(CompiledQuery.raw("ANALYZE"));
    }, 120_000);
    afterAll(async () => {
      await opened?.db.destroy();
      await drop?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("answers right: case-insensitive contains, only what the caller can use, sorted by name, limited", async () => {
      const deps = { db: opened.db, dialect } as never;
      for (const q of ["GARAGE", "nas 12", "sonarr"]) {
        const got = await searchIntegrations(deps, me, q, 10);
        expect(got.map((r) => r.name)).toEqual(expected(q.toLowerCase(), 10));
      }
      expect(expected("garage", 10)).toHaveLength(10);
    });

    it("a rare term reads only the names that contain it (trigram index), not the names before it", async () => {
      const raw = opened.db.withoutPlugins() as Kysely<any>;
      const rare = "office 99";
      const containing = inIndexOrder.filter((n) => n.lower.includes(rare));
      // Few names contain it, and the walk would read almost the whole index before giving up.
      expect(containing.length).toBeGreaterThan(0);
      expect(containing.length).toBeLessThan(20);
      expect(inIndexOrder.indexOf(containing.at(-1)!)).toBeGreaterThan(N / 2);
      const deps = { db: opened.db, dialect } as never;
      expect((await searchIntegrations(deps, me, "OFFICE 99", 10)).map((r) => r.name)).toEqual(expected(rare, 10));
      if (dialect === "sqlite") {
        // FTS5 serves the LIKE from its trigram index ("INDEX 0:L…": the LIKE constraint is used) and returns
        // exactly the names that contain the term; the search then looks those ids up by primary key.
        const candidates = await trigramCandidates(opened.db, dialect, rare);
        expect([...candidates!].sort()).toEqual(containing.map((n) => n.id).sort());
        const cq = opened.db.selectFrom("integrationsNameTrigram").select("id").where("nameLower", "like", `%${rare}%`).limit(CANDIDATE_CAP + 1).compile();
        const cplan = (await explain(raw, "EXPLAIN QUERY PLAN", cq)).map((r) => String(r.detail));
        expect(cplan.join("\n")).toMatch(/SCAN integrations_name_trigram VIRTUAL TABLE INDEX 0:L/);
        const plan = (await explain(raw, "EXPLAIN QUERY PLAN", searchHits(opened.db, dialect, principalOf(me), searchPattern(dialect, rare), 10, JSON.stringify(candidates)).compile())).map((r) => String(r.detail));
        expect(plan.join("\n")).toMatch(/SEARCH i USING INDEX sqlite_autoindex_integrations_1 \(id=\?\)/);
        expect(plan.join("\n")).not.toMatch(/SCAN i\b/);
        // A common term (more names than the cap) is left to the ordered walk.
        expect(await trigramCandidates(opened.db, dialect, "garage")).toBeUndefined();
        expect(await trigramCandidates(opened.db, dialect, "ga")).toBeUndefined();
      } else if (dialect === "postgres") {
        const [{ "QUERY PLAN": plan }] = await explain(raw, "EXPLAIN (ANALYZE, FORMAT JSON)", searchHits(opened.db, dialect, principalOf(me), searchPattern(dialect, rare), 10).compile());
        const nodes: any[] = [];
        const walk = (n: any) => (nodes.push(n), (n.Plans ?? []).forEach(walk));
        walk(plan[0].Plan);
        if (process.env.SEARCH_PLAN_DEBUG) console.log(JSON.stringify(plan, null, 1));
        const scan = nodes.find((n) => n["Relation Name"] === "integrations");
        const read = scan["Actual Rows"] * scan["Actual Loops"] + (scan["Rows Removed by Filter"] ?? 0) + (scan["Rows Removed by Index Recheck"] ?? 0);
        expect(nodes.some((n) => n["Index Name"] === "integrations_name_trgm_idx")).toBe(true);
        expect(read).toBeLessThanOrEqual(containing.length * 2);
      } else {
        // The service runs the walk with exists_to_in off (SET STATEMENT … FOR, which also prefixes ANALYZE).
        expect(searchStatement(opened.db, dialect, principalOf(me), searchPattern(dialect, rare), 10).sql.startsWith(`${MARIADB_SEARCH_PREFIX} select`)).toBe(true);
        const { doc, tables } = await mariadbAnalyze(raw, searchHits(opened.db, dialect, principalOf(me), searchPattern(dialect, rare), 10).compile());
        if (process.env.SEARCH_PLAN_DEBUG) console.log(JSON.stringify(doc, null, 1));
        // No trigram index on MariaDB: the walk reads the name index (cheap entries), but every permission
        // check stays a per-candidate probe — no table reads all of the caller's permission rows.
        const outer = tables.find((t) => t.table_name === "i");
        expect(outer.key).toBe("integrations_name_lower_idx");
        for (const t of tables.filter((t) => t.table_name !== "i")) expect(t.r_rows ?? 0).toBeLessThanOrEqual(containing.length + 1);
      }
    });

    // SQLite only: its trigram index is a separate FTS5 table kept in step by triggers; PostgreSQL's GIN index
    // is on the table itself (registered only where it applies, so the other dialects report no skip).
    if (dialect === "sqlite") it("the trigram index follows inserts, renames and deletes (triggers)", async () => {
      const now = Date.now();
      await opened.db.insertInto("integrations").values({ id: "i-trg", ...nameColumns("Zebra Quokka"), kind: "sonarr", url: "http://127.0.0.1:9", appId: null, createdBy: null, createdAt: now, updatedAt: now }).execute();
      try {
        expect(await trigramCandidates(opened.db, dialect, "QUOKKA")).toEqual(["i-trg"]);
        await opened.db.updateTable("integrations").set(nameColumns("Zebra Wombat")).where("id", "=", "i-trg").execute();
        expect(await trigramCandidates(opened.db, dialect, "quokka")).toEqual([]);
        expect(await trigramCandidates(opened.db, dialect, "wombat")).toEqual(["i-trg"]);
      } finally {
        await opened.db.deleteFrom("integrations").where("id", "=", "i-trg").execute();
      }
      expect(await trigramCandidates(opened.db, dialect, "wombat")).toEqual([]);
    });

    it("walks the name index in order and stops at the limit", async () => {
      const raw = opened.db.withoutPlugins() as Kysely<any>;
      const q = searchHits(opened.db, dialect, principalOf(me), searchPattern(dialect, "garage"), 10).compile();
      // Names are walked in order, so the scan reads every entry up to the 10th visible "garage" (4,016 of
      // 10,000 here: "sonarr attic/backup/basement/cloud …" come first) and not one more.
      const bound = entriesUpToLimit("garage", 10);
      expect(bound).toBeLessThan(N / 2);
      if (dialect === "sqlite") {
        const plan = (await explain(raw, "EXPLAIN QUERY PLAN", q)).map((r) => String(r.detail));
        // The outer loop is the covering name index; no temporary B-tree sorts the matches, so the loop ends
        // after the 10th row; the permission checks are correlated EXISTS probes on primary keys.
        expect(plan.some((d) => /SCAN i USING (COVERING )?INDEX integrations_name_lower_idx/.test(d))).toBe(true);
        expect(plan.join("\n")).not.toMatch(/TEMP B-TREE/);
        expect(plan.join("\n")).toMatch(/SEARCH up USING (COVERING )?INDEX .*integration_user_permissions/i);
        // Rows read: SQLite counts full-scan steps and sort operations per statement (SQLITE_STMTSTATUS_*),
        // which better-sqlite3 does not expose; the plan above is the proof that no step runs past the limit.
      } else if (dialect === "postgres") {
        const [{ "QUERY PLAN": plan }] = await explain(raw, "EXPLAIN (ANALYZE, FORMAT JSON)", q);
        const nodes: any[] = [];
        const walk = (n: any) => (nodes.push(n), (n.Plans ?? []).forEach(walk));
        walk(plan[0].Plan);
        const scan = nodes.find((n) => n["Relation Name"] === "integrations");
        expect(scan["Node Type"]).toMatch(/^Index (Only )?Scan$/);
        expect(scan["Index Name"]).toBe("integrations_name_lower_idx");
        expect(nodes.some((n) => n["Node Type"] === "Sort")).toBe(false);
        // Rows the scan handed on plus rows it discarded by the pattern: what it actually read.
        const read = scan["Actual Rows"] * scan["Actual Loops"] + (scan["Rows Removed by Filter"] ?? 0);
        expect(read).toBeLessThanOrEqual(bound);
      } else {
        const { doc, tables } = await mariadbAnalyze(raw, q);
        const outer = tables.find((t) => t.table_name === "i");
        if (process.env.SEARCH_PLAN_DEBUG) console.log(JSON.stringify(doc, null, 1));
        expect(outer.key).toBe("integrations_name_lower_idx");
        expect(JSON.stringify(doc)).not.toMatch(/filesort/);
        expect(outer.r_rows * (outer.r_loops ?? 1)).toBeLessThanOrEqual(bound);
      }
    });
  });
}
