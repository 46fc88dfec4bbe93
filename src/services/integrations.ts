import { CompiledQuery, sql } from "kysely";
import { LEVELS, accessFlags } from "../auth/permissions.js";
import { newId } from "../auth/tokens.js";
import { categoriesOf, describeSecretOptions, getKind, kindsInCategory, matchSecretOption } from "../kinds/index.js";
import type { Db, DialectName } from "../db/index.js";
import { auditedTransaction, recordAudit } from "./audit.js";
import { runConnectionTest, runSearch } from "../engine/runner.js";
import { PUBLIC_SECRET_KINDS, type Category, type KindDefinition, type SecretKind, type Secrets, type TestError } from "../engine/types.js";
import { accessibleList, levelOn, lockIntegration, principalOf, requireGlobal, requireIntegration, usableBy, type Principal } from "./access.js";
import { prepared } from "../db/prepared.js";
import { trigramCandidates } from "./search-trigram.js";
import { byCatalogThenName } from "./list-order.js";
import type { Caller, Deps } from "./deps.js";
import { loadSecrets, sealSecret, toSecrets } from "./secrets.js";
import { ensureFreshTrust } from "./certificates.js";
import { uniqueShort } from "./search-engines.js";
import { fieldError, UpstreamError } from "./errors.js";
import { nameColumns, searchPattern } from "./search-name.js";
import type { CreateIntegrationInput } from "./inputs.js";
import { healthByIds, healthOfRow, noteManualTest, toHealth, type Health } from "./health.js";
import { cachedList, healthMirror, listRevisions, type VisibleRow } from "./list-cache.js";

const badRequest = (path: string, message: string) => fieldError("BAD_REQUEST", path, message);

/**
 * A list row as the prepared list and search queries return it (src/db/prepared.ts: no camelCase mapping):
 * the integration, the caller's level and its health (null columns when it was never checked).
 */
type ListRow = {
  id: string;
  name: string;
  kind: string;
  url: string;
  level: number | string;
  // Only where the health is joined (no health mirror: the database refused the triggers of migration 0008).
  status?: string | null;
  checked_at?: number | string | null;
  latency_ms?: number | string | null;
  version?: string | null;
  code?: string | null;
  message?: string | null;
  warning?: string | null;
};

const HEALTH_OF_ROW = ["h.status", "h.checkedAt", "h.latencyMs", "h.version", "h.code", "h.message", "h.warning"] as const;

/** A search hit as a list item; its health from the instance's mirror, or from the row's joined columns. */
function listItem(r: ListRow, mirror?: ReadonlyMap<string, Health>) {
  const health = mirror
    ? (mirror.get(r.id) ?? toHealth(undefined))
    : r.status == null
      ? toHealth(undefined)
      : healthOfRow({ integration_id: r.id, status: r.status, checked_at: r.checked_at ?? 0, latency_ms: r.latency_ms ?? null, version: r.version ?? null, code: r.code ?? null, message: r.message ?? null, warning: r.warning ?? null });
  return { id: r.id, name: r.name, kind: r.kind, url: r.url, permissions: accessFlags(Number(r.level)), health };
}

/** integration.all's rows: the access query (src/services/access.ts), prepared once per global level. */
const visibleQuery = prepared(["userId"], (db: Db, p, variant) => accessibleList(db, { userId: p.userId, global: Number(variant) }));

/**
 * integration.all and the category lists: the caller's visible rows in list order and the health of each,
 * from the instance's caches while the counters of migration 0008 have not moved (src/services/list-cache.ts),
 * then the category's kinds picked from them.
 */
export async function listIntegrations(deps: Deps, caller: Caller, category?: Category) {
  const who = principalOf(caller);
  const read = async () =>
    (await visibleQuery<VisibleRow>(deps.db, { userId: who.userId }, String(who.global))).map((r) => ({ id: r.id, name: r.name, kind: r.kind, url: r.url, level: Number(r.level) })).sort(byCatalogThenName);
  const cached = await cachedList(deps, `${who.userId}:${who.global}`, read);
  const rows = cached?.rows ?? (await read());
  const kinds = category ? new Set<string>(kindsInCategory(category)) : undefined;
  const mine = kinds ? rows.filter((r) => kinds.has(r.kind)) : rows;
  const health = cached?.health ?? (await healthByIds(deps, mine.map((r) => r.id)));
  return mine.map((r) => ({ id: r.id, name: r.name, kind: r.kind, url: r.url, permissions: accessFlags(r.level), health: health.get(r.id) ?? toHealth(undefined) }));
}

export function listOfCategory(deps: Deps, caller: Caller, category: Category) {
  return listIntegrations(deps, caller, category);
}

export function listSearchable(deps: Deps, caller: Caller) {
  return listIntegrations(deps, caller, "search");
}

/**
 * integration.search's walk. Costs what it examines, not the number of integrations: the names are walked in
 * index order (integrations_name_lower_idx), each matching one is checked for the caller (correlated EXISTS),
 * the scan stops at `limit`; with `candidates` (a rare term, from the trigram index: search-trigram.ts) only
 * those ids are looked at (test/db/search-plan.test.ts reads the plans). `pattern`: searchPattern(dialect,
 * query). On SQLite the same statement returns the hits' columns and levels (it reads a table row only for a
 * name that matches). PostgreSQL and MariaDB would give up the name index for a table scan once the
 * statement needs columns the index does not hold, so there it returns ids, and the rows follow by id.
 */
export function searchHits(db: Db, dialect: DialectName, who: Principal, pattern: string, limit: number, candidates?: string, withHealth = true) {
  const usable = usableBy(who);
  const rows = dialect === "sqlite";
  return db
    .selectFrom("integrations as i")
    .select("i.id")
    .$if(rows && withHealth, (q) => q.leftJoin("integrationHealth as h", "h.integrationId", "i.id").select(HEALTH_OF_ROW))
    .$if(rows, (q) => q.select(["i.name", "i.kind", "i.url", (eb) => levelOn(who, dialect)(eb).as("level")]))
    .$if(candidates !== undefined, (q) => q.where(sql<boolean>`${sql.ref("i.id")} in (select value from json_each(${candidates}))`))
    .where(dialect === "sqlite" ? sql<boolean>`instr(${sql.ref("i.nameLower")}, ${pattern}) > 0` : sql<boolean>`${sql.ref("i.nameLower")} like ${pattern} escape '!'`)
    .$if(usable !== undefined, (q) => q.where(usable!))
    .orderBy("i.nameLower")
    .orderBy("i.id")
    .limit(limit);
}

/**
 * MariaDB rewrites a correlated EXISTS into IN and materialises the whole subquery once (optimizer switch
 * exists_to_in): all of the caller's permission rows, before the first name is read. Switched off for the
 * search statement alone, each candidate is probed on the permission tables' primary keys and the walk stops
 * at the limit. In an executable comment (`/*M!`) that only MariaDB reads: MySQL ignores it (and has no such
 * rewrite). https://mariadb.com/kb/en/exists-to-in-optimization/, https://mariadb.com/kb/en/set-statement/
 */
export const MARIADB_SEARCH_PREFIX = "/*M! SET STATEMENT optimizer_switch='exists_to_in=off' FOR */";

/** The statement integration.search runs, as the given dialect runs it. */
export function searchStatement(db: Db, dialect: DialectName, who: Principal, pattern: string, limit: number, candidates?: string, withHealth = true): CompiledQuery {
  const q = searchHits(db, dialect, who, pattern, limit, candidates, withHealth).compile();
  return dialect === "mysql" ? CompiledQuery.raw(`${MARIADB_SEARCH_PREFIX} ${q.sql}`, [...q.parameters]) : q;
}

const searchQuery = prepared(["userId", "pattern", "limit", "candidates"], (db: Db, p, variant) => {
  const [dialect, global, candidates, health] = variant.split(":");
  return { compile: () => searchStatement(db, dialect as DialectName, { userId: p.userId, global: Number(global) }, p.pattern, p.limit, candidates ? p.candidates : undefined, health === "joined") };
});

/** Sorted by name (docs/api.md). */
export async function searchIntegrations(deps: Deps, caller: Caller, query: string, limit: number) {
  // The counters of migration 0008 (src/services/list-cache.ts): the trigram answer for this term may be
  // remembered, and the health comes from the instance's mirror instead of a join.
  const revisions = await listRevisions(deps);
  const candidates = await trigramCandidates(deps.db, deps.dialect, query, revisions?.access);
  if (candidates?.length === 0) return [];
  const who = principalOf(caller);
  const rows = await searchQuery<ListRow>(
    deps.db,
    { userId: who.userId, pattern: searchPattern(deps.dialect, query), limit, candidates: candidates ? JSON.stringify(candidates) : null },
    `${deps.dialect}:${who.global}:${candidates ? "candidates" : ""}:${revisions ? "" : "joined"}`,
  );
  const mirror = revisions ? await healthMirror(deps, revisions.health) : undefined;
  return (deps.dialect === "sqlite" ? rows : await hitRows(deps, who, rows, !mirror)).map((r) => listItem(r, mirror));
}

/** PostgreSQL/MariaDB: the hits' rows and levels by id (the access query for those few), in hit order. */
async function hitRows(deps: Deps, who: Principal, hits: { id: string }[], withHealth: boolean): Promise<ListRow[]> {
  if (!hits.length) return [];
  const rank = new Map(hits.map((h, n) => [h.id, n]));
  const rows = (await accessibleList(deps.db, who, [...rank.keys()])
    .$if(withHealth, (q) => q.leftJoin("integrationHealth as h", "h.integrationId", "i.id").select(HEALTH_OF_ROW))
    .execute()) as unknown as (ListRow & { checkedAt?: number; latencyMs?: number })[];
  // Through kysely's CamelCasePlugin: health columns arrive camelCased.
  return rows
    .map((r) => ({ ...r, checked_at: r.checkedAt ?? r.checked_at, latency_ms: r.latencyMs ?? r.latency_ms }))
    .sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
}

export async function integrationById(deps: Deps, caller: Caller, id: string) {
  const row = await requireIntegration(deps.db, caller, id, LEVELS.full);
  const [secrets, app] = await Promise.all([
    loadSecrets(deps.db, deps.keyring, id),
    row.appId ? deps.db.selectFrom("apps").select(["id", "name", "description", "iconUrl", "href", "pingUrl"]).where("id", "=", row.appId).executeTakeFirst() : undefined,
  ]);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    secrets: secrets
      .sort((a, b) => a.kind.localeCompare(b.kind))
      .map((s) => ({ kind: s.kind, value: PUBLIC_SECRET_KINDS.has(s.kind) ? s.value : null, updatedAt: new Date(s.updatedAt) })),
    app: app ?? null,
    permissions: accessFlags(row.level),
  };
}

export async function integrationsByIds(deps: Deps, ids: string[]) {
  if (!ids.length) return [];
  return deps.db.selectFrom("integrations").select(["id", "kind"]).where("id", "in", [...new Set(ids)]).execute();
}

/** Checks a set of secrets against the kind's options and returns a clear BAD_REQUEST otherwise. */
function checkSecretSet(def: KindDefinition, kinds: SecretKind[]): void {
  const seen = new Set<string>();
  kinds.forEach((k, i) => {
    if (seen.has(k)) throw badRequest(`secrets[${i}].kind`, `"${k}" is given twice`);
    seen.add(k);
  });
  const allowed = new Set(def.secretOptions.flat());
  const foreign = kinds.findIndex((k) => !allowed.has(k));
  if (foreign >= 0) {
    throw badRequest(`secrets[${foreign}].kind`, `${def.kind} does not use a "${kinds[foreign]}" secret; it needs one of: ${describeSecretOptions(def)}`);
  }
  if (!matchSecretOption(def, kinds)) {
    throw badRequest("secrets", `Kind ${def.kind} needs one of: ${describeSecretOptions(def)}`);
  }
}

function kindOrThrow(kind: string): KindDefinition {
  const def = getKind(kind);
  if (!def) throw badRequest("kind", `unknown integration kind "${kind}"`);
  return def;
}

async function testOptions(deps: Deps) {
  await ensureFreshTrust(deps);
  return { trust: deps.trust, timeoutMs: deps.config.testTimeoutMs };
}

function logOutcome(deps: Deps, what: string, kind: string, url: string, error?: TestError) {
  // Only the kind, the host and the code: never secrets, never the full URL with its query.
  const host = new URL(url).host;
  if (error) deps.log.info({ kind, host, code: error.code }, `${what}: connection test failed`);
  else deps.log.info({ kind, host }, `${what}: connection test passed`);
}

/** integration.create's input (src/services/inputs.ts); no app is `undefined` here. */
export type CreateInput = Omit<CreateIntegrationInput, "app"> & { app?: NonNullable<CreateIntegrationInput["app"]> };

/** What create and update answer (seed: success returns the id, failure the connection-test error). */
export type WriteResult = { id: string; searchEngineId?: string } | { error: TestError };

export async function createIntegration(deps: Deps, caller: Caller, input: CreateInput): Promise<WriteResult> {
  const def = kindOrThrow(input.kind);
  checkSecretSet(def, input.secrets.map((s) => s.kind));
  const user = caller.user!;
  if (input.app && !("id" in input.app)) requireGlobal(caller, "app-create");
  if (input.app && "id" in input.app) {
    const exists = await deps.db.selectFrom("apps").select("id").where("id", "=", input.app.id).executeTakeFirst();
    if (!exists) throw badRequest("app.id", `app "${input.app.id}" not found`);
  }

  const outcome = await runConnectionTest(def, input.url, toSecrets(input.secrets), await testOptions(deps));
  logOutcome(deps, "create", def.kind, input.url, outcome.ok ? undefined : outcome.error);
  if (!outcome.ok) return { error: outcome.error };

  const id = newId();
  const now = Date.now();
  const searchEngineId = input.attemptSearchEngineCreation && def.search ? newId() : undefined;
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    let appId: string | null = null;
    if (input.app && "id" in input.app) appId = input.app.id;
    else if (input.app) {
      appId = newId();
      await trx
        .insertInto("apps")
        .values({
          id: appId,
          name: input.app.name,
          description: input.app.description ?? null,
          iconUrl: input.app.iconUrl,
          href: input.app.href ?? null,
          pingUrl: input.app.pingUrl ?? null,
          createdBy: user.id,
          createdAt: now,
        })
        .execute();
    }
    await trx.insertInto("integrations").values({ id, ...nameColumns(input.name), kind: def.kind, url: input.url, appId, createdBy: user.id, createdAt: now, updatedAt: now }).execute();
    // Some kinds need no secret at all (Pi-hole without password, Tdarr without auth).
    if (input.secrets.length) {
      await trx
        .insertInto("integrationSecrets")
        .values(input.secrets.map((s) => ({ integrationId: id, kind: s.kind, value: sealSecret(deps.keyring, id, s.kind, s.value), updatedAt: now })))
        .execute();
    }
    // The creator keeps full access to what they made, whatever their global permissions (docs/api.md, "Per-integration permissions").
    await trx.insertInto("integrationUserPermissions").values({ integrationId: id, userId: user.id, level: LEVELS.full }).execute();
    if (searchEngineId) {
      await trx
        .insertInto("searchEngines")
        .values({
          id: searchEngineId,
          name: input.name,
          short: await uniqueShort(trx, input.name),
          iconUrl: def.iconUrl,
          type: "fromIntegration",
          urlTemplate: null,
          description: null,
          integrationId: id,
          createdBy: user.id,
          createdAt: now,
        })
        .execute();
    }
    await record({
      action: "integration.create",
      target: { type: "integration", id, name: input.name },
      integrationId: id,
      // Secret kinds only, never their values.
      changes: { name: input.name, kind: def.kind, url: input.url, secrets: input.secrets.map((s) => s.kind), appId, ...(searchEngineId ? { searchEngineId } : {}) },
    });
  });
  return searchEngineId ? { id, searchEngineId } : { id };
}

export interface UpdateInput {
  id: string;
  name: string;
  url: string;
  secrets: { kind: SecretKind; value: string | null }[];
  appId?: string | null;
}

/**
 * The secrets an update would store: `null` keeps the stored value, a string replaces it, an omitted kind
 * is removed. The connection test runs on exactly this set (lessons 6).
 */
async function resultingSecrets(deps: Deps, def: KindDefinition, id: string, given: { kind: SecretKind; value: string | null }[]) {
  checkSecretSet(def, given.map((s) => s.kind));
  const stored = await loadSecrets(deps.db, deps.keyring, id);
  const byKind = new Map(stored.map((s) => [s.kind, s]));
  const result = given.map((s, i) => {
    if (s.value !== null) return { kind: s.kind, value: s.value };
    const old = byKind.get(s.kind);
    if (!old) throw badRequest(`secrets[${i}].value`, `there is no stored ${s.kind} to keep; enter a value`);
    return { kind: s.kind, value: old.value };
  });
  return { result, stored };
}

export async function updateIntegration(deps: Deps, caller: Caller, input: UpdateInput): Promise<WriteResult> {
  const row = await requireIntegration(deps.db, caller, input.id, LEVELS.full);
  const def = kindOrThrow(row.kind);
  const { result, stored } = await resultingSecrets(deps, def, row.id, input.secrets);
  if (input.appId) {
    const exists = await deps.db.selectFrom("apps").select("id").where("id", "=", input.appId).executeTakeFirst();
    if (!exists) throw badRequest("appId", `app "${input.appId}" not found`);
  }

  const outcome = await runConnectionTest(def, input.url, toSecrets(result), await testOptions(deps));
  logOutcome(deps, "update", def.kind, input.url, outcome.ok ? undefined : outcome.error);
  if (!outcome.ok) return { error: outcome.error };

  const now = Date.now();
  const storedByKind = new Map(stored.map((s) => [s.kind, s]));
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIntegration(deps, trx, row.id);
    await trx
      .updateTable("integrations")
      .set({ ...nameColumns(input.name), url: input.url, updatedAt: now, ...(input.appId !== undefined ? { appId: input.appId } : {}) })
      .where("id", "=", row.id)
      .execute();
    const keep = new Set(result.map((s) => s.kind));
    const removed = stored.filter((s) => !keep.has(s.kind)).map((s) => s.kind);
    if (removed.length) {
      await trx.deleteFrom("integrationSecrets").where("integrationId", "=", row.id).where("kind", "in", removed).execute();
    }
    const changed: string[] = [];
    const added: string[] = [];
    for (const s of result) {
      const old = storedByKind.get(s.kind);
      // Compare plaintexts: an unchanged secret keeps its ciphertext and updatedAt (lessons 5).
      if (old && old.value === s.value) continue;
      const value = sealSecret(deps.keyring, row.id, s.kind, s.value);
      if (old) {
        changed.push(s.kind);
        await trx.updateTable("integrationSecrets").set({ value, updatedAt: now }).where("integrationId", "=", row.id).where("kind", "=", s.kind).execute();
      } else {
        added.push(s.kind);
        await trx.insertInto("integrationSecrets").values({ integrationId: row.id, kind: s.kind, value, updatedAt: now }).execute();
      }
    }
    // Which secret kinds changed — never a value.
    const changes: Record<string, unknown> = {};
    if (row.name !== input.name) changes.name = { from: row.name, to: input.name };
    if (row.url !== input.url) changes.url = { from: row.url, to: input.url };
    if (input.appId !== undefined && (row.appId ?? null) !== (input.appId ?? null)) changes.appId = { from: row.appId ?? null, to: input.appId ?? null };
    if (changed.length || added.length || removed.length) changes.secrets = { changed, added, removed };
    await record({ action: "integration.update", target: { type: "integration", id: row.id, name: input.name }, integrationId: row.id, changes });
  });
  return { id: row.id };
}

export async function deleteIntegration(deps: Deps, caller: Caller, id: string) {
  const row = await requireIntegration(deps.db, caller, id, LEVELS.full);
  // Explicit deletes rather than relying on cascades alone: one transaction, same result on every dialect.
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIntegration(deps, trx, id);
    await trx.deleteFrom("searchEngines").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrationUserPermissions").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrationGroupPermissions").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrationSecrets").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrations").where("id", "=", id).execute();
    await record({ action: "integration.delete", target: { type: "integration", id, name: row.name }, integrationId: id, changes: { name: row.name, kind: row.kind, url: row.url } });
  });
}

export type TestConnectionInput =
  | { kind: string; url: string; secrets: { kind: SecretKind; value: string }[] }
  | { id: string; url?: string; secrets?: { kind: SecretKind; value: string | null }[] };

export async function testConnection(deps: Deps, caller: Caller, input: TestConnectionInput) {
  let def: KindDefinition;
  let url: string;
  let secrets: Secrets;
  let stored: { id: string; name: string; kind: string } | undefined;
  if ("id" in input) {
    const row = await requireIntegration(deps.db, caller, input.id, LEVELS.full);
    // A test of exactly what is stored is a health check too (src/services/health.ts).
    if (!input.url && !input.secrets) stored = row;
    def = kindOrThrow(row.kind);
    url = input.url ?? row.url;
    if (input.secrets) secrets = toSecrets((await resultingSecrets(deps, def, row.id, input.secrets)).result);
    else secrets = toSecrets(await loadSecrets(deps.db, deps.keyring, row.id));
  } else {
    requireGlobal(caller, "integration-create");
    def = kindOrThrow(input.kind);
    checkSecretSet(def, input.secrets.map((s) => s.kind));
    url = input.url;
    secrets = toSecrets(input.secrets);
  }
  const options = await testOptions(deps);
  const started = performance.now();
  const outcome = await runConnectionTest(def, url, secrets, options);
  if (stored) await noteManualTest(deps, stored, outcome, Math.round(performance.now() - started));
  logOutcome(deps, "testConnection", def.kind, url, outcome.ok ? undefined : outcome.error);
  // A control action that writes nothing: recorded with its outcome (the URL and kind, never a secret).
  await recordAudit(deps.db, caller.actor, {
    action: "integration.testConnection",
    ...("id" in input ? { target: { type: "integration", id: input.id }, integrationId: input.id } : {}),
    changes: { kind: def.kind, url, ...(outcome.ok ? {} : { code: outcome.error.code }) },
    outcome: outcome.ok ? "ok" : "error",
  });
  return outcome.ok ? outcome : { ok: false as const, error: outcome.error };
}

export async function searchInIntegration(deps: Deps, caller: Caller, input: { integrationId: string; query: string; limit?: number }) {
  const row = await requireIntegration(deps.db, caller, input.integrationId, LEVELS.use);
  const def = kindOrThrow(row.kind);
  if (!def.search || !categoriesOf(def).includes("search")) throw badRequest("integrationId", `${def.name} integrations do not support search`);
  const secrets = toSecrets(await loadSecrets(deps.db, deps.keyring, row.id));
  const r = await runSearch(def, row.url, secrets, input.query, input.limit ?? 20, await testOptions(deps));
  if (!r.ok) {
    deps.log.info({ kind: def.kind, host: new URL(row.url).host, code: r.error.code }, "search failed upstream");
    throw new UpstreamError(r.error);
  }
  return r.results;
}
