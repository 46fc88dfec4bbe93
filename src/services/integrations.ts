import { TRPCError } from "@trpc/server";
import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import { LEVELS, accessFlags, levelName, type LevelName } from "../auth/permissions.js";
import { newId } from "../auth/tokens.js";
import { categoriesOf, describeSecretOptions, getKind, kindOrder, kindsInCategory, matchSecretOption } from "../kinds/index.js";
import { constraintKind, transaction } from "../db/index.js";
import { runConnectionTest, runSearch } from "../engine/runner.js";
import { PUBLIC_SECRET_KINDS, type Category, type KindDefinition, type SecretKind, type Secrets, type TestError } from "../engine/types.js";
import { accessibleList, requireIntegration } from "./access.js";
import type { Caller, Deps } from "./deps.js";
import { loadSecrets, sealSecret, toSecrets } from "./secrets.js";
import { ensureFreshTrust } from "./certificates.js";
import { uniqueShort } from "./search-engines.js";

const notFound = () => new TRPCError({ code: "NOT_FOUND", message: "Integration not found" });
const badRequest = (message: string) => new TRPCError({ code: "BAD_REQUEST", message });
const forbidden = (permission: string) => new TRPCError({ code: "FORBIDDEN", message: `Missing permission: ${permission}` });

/**
 * Serialises writers of one integration: the row lock makes a concurrent replace-all wait and then see the
 * committed rows (instead of inserting next to them), and a write to an integration deleted meanwhile is a
 * clean NOT_FOUND. SQLite runs one write transaction at a time anyway and has no FOR UPDATE.
 */
async function lockIntegration(deps: Deps, trx: Transaction<Database>, id: string): Promise<void> {
  let q = trx.selectFrom("integrations").select("id").where("id", "=", id);
  if (deps.dialect !== "sqlite") q = q.forUpdate();
  if (!(await q.executeTakeFirst())) throw notFound();
}

type Row = { id: string; name: string; kind: string; url: string; level: number | string };

function listItem(r: Row) {
  return { id: r.id, name: r.name, kind: r.kind, url: r.url, permissions: accessFlags(Number(r.level)) };
}

// One collator for every comparison: localeCompare with options builds a new one per call (slow on big lists).
const byName = new Intl.Collator(undefined, { sensitivity: "base" }).compare;

function byCatalogThenName(a: Row, b: Row): number {
  return kindOrder(a.kind) - kindOrder(b.kind) || byName(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export async function listIntegrations(deps: Deps, caller: Caller, filter?: { kinds: string[] }) {
  let q = accessibleList(deps.db, caller);
  if (filter) {
    if (!filter.kinds.length) return [];
    q = q.where("i.kind", "in", filter.kinds);
  }
  const rows = await q.execute();
  return rows.sort(byCatalogThenName).map(listItem);
}

export function listOfCategory(deps: Deps, caller: Caller, category: Category) {
  return listIntegrations(deps, caller, { kinds: kindsInCategory(category) });
}

export function listSearchable(deps: Deps, caller: Caller) {
  return listIntegrations(deps, caller, { kinds: kindsInCategory("search") });
}

/** Escapes LIKE wildcards so `%` and `_` in a query match themselves on every dialect. */
export function likeContains(query: string): string {
  return "%" + query.toLowerCase().replace(/[!%_]/g, (c) => "!" + c) + "%";
}

export async function searchIntegrations(deps: Deps, caller: Caller, query: string, limit: number) {
  const rows = await accessibleList(deps.db, caller)
    .where(sql`lower(${sql.ref("i.name")})`, "like", sql`${likeContains(query)} escape '!'`)
    .orderBy(sql`lower(${sql.ref("i.name")})`)
    .orderBy("i.id")
    .limit(limit)
    .execute();
  return rows.map(listItem);
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
    if (seen.has(k)) throw badRequest(`secrets[${i}].kind: "${k}" is given twice`);
    seen.add(k);
  });
  const allowed = new Set(def.secretOptions.flat());
  const foreign = kinds.findIndex((k) => !allowed.has(k));
  if (foreign >= 0) {
    throw badRequest(`secrets[${foreign}].kind: ${def.kind} does not use a "${kinds[foreign]}" secret; it needs one of: ${describeSecretOptions(def)}`);
  }
  if (!matchSecretOption(def, kinds)) {
    throw badRequest(`secrets: Kind ${def.kind} needs one of: ${describeSecretOptions(def)}`);
  }
}

function kindOrThrow(kind: string): KindDefinition {
  const def = getKind(kind);
  if (!def) throw badRequest(`kind: unknown integration kind "${kind}"`);
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

export interface CreateInput {
  name: string;
  kind: string;
  url: string;
  secrets: { kind: SecretKind; value: string }[];
  app?: { id: string } | { name: string; description?: string | null; iconUrl: string; href?: string | null; pingUrl?: string | null };
  attemptSearchEngineCreation?: boolean;
}

/** What create and update answer (seed: success returns the id, failure the connection-test error). */
export type WriteResult = { id: string; searchEngineId?: string } | { error: TestError };

export async function createIntegration(deps: Deps, caller: Caller, input: CreateInput): Promise<WriteResult> {
  const def = kindOrThrow(input.kind);
  checkSecretSet(def, input.secrets.map((s) => s.kind));
  const user = caller.user!;
  if (input.app && !("id" in input.app) && !caller.permissions.has("app-create")) throw forbidden("app-create");
  if (input.app && "id" in input.app) {
    const exists = await deps.db.selectFrom("apps").select("id").where("id", "=", input.app.id).executeTakeFirst();
    if (!exists) throw badRequest(`app.id: app "${input.app.id}" not found`);
  }

  const outcome = await runConnectionTest(def, input.url, toSecrets(input.secrets), await testOptions(deps));
  logOutcome(deps, "create", def.kind, input.url, outcome.ok ? undefined : outcome.error);
  if (!outcome.ok) return { error: outcome.error };

  const id = newId();
  const now = Date.now();
  const searchEngineId = input.attemptSearchEngineCreation && def.search ? newId() : undefined;
  await transaction(deps.db, async (trx) => {
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
    await trx.insertInto("integrations").values({ id, name: input.name, kind: def.kind, url: input.url, appId, createdBy: user.id, createdAt: now, updatedAt: now }).execute();
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
    if (!old) throw badRequest(`secrets[${i}].value: there is no stored ${s.kind} to keep; enter a value`);
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
    if (!exists) throw badRequest(`appId: app "${input.appId}" not found`);
  }

  const outcome = await runConnectionTest(def, input.url, toSecrets(result), await testOptions(deps));
  logOutcome(deps, "update", def.kind, input.url, outcome.ok ? undefined : outcome.error);
  if (!outcome.ok) return { error: outcome.error };

  const now = Date.now();
  const storedByKind = new Map(stored.map((s) => [s.kind, s]));
  await transaction(deps.db, async (trx) => {
    await lockIntegration(deps, trx, row.id);
    await trx
      .updateTable("integrations")
      .set({ name: input.name, url: input.url, updatedAt: now, ...(input.appId !== undefined ? { appId: input.appId } : {}) })
      .where("id", "=", row.id)
      .execute();
    const keep = new Set(result.map((s) => s.kind));
    const removed = stored.filter((s) => !keep.has(s.kind)).map((s) => s.kind);
    if (removed.length) {
      await trx.deleteFrom("integrationSecrets").where("integrationId", "=", row.id).where("kind", "in", removed).execute();
    }
    for (const s of result) {
      const old = storedByKind.get(s.kind);
      // Compare plaintexts: an unchanged secret keeps its ciphertext and updatedAt (lessons 5).
      if (old && old.value === s.value) continue;
      const value = sealSecret(deps.keyring, row.id, s.kind, s.value);
      if (old) {
        await trx.updateTable("integrationSecrets").set({ value, updatedAt: now }).where("integrationId", "=", row.id).where("kind", "=", s.kind).execute();
      } else {
        await trx.insertInto("integrationSecrets").values({ integrationId: row.id, kind: s.kind, value, updatedAt: now }).execute();
      }
    }
  });
  return { id: row.id };
}

export async function deleteIntegration(deps: Deps, caller: Caller, id: string) {
  await requireIntegration(deps.db, caller, id, LEVELS.full);
  // Explicit deletes rather than relying on cascades alone: one transaction, same result on every dialect.
  await transaction(deps.db, async (trx) => {
    await lockIntegration(deps, trx, id);
    await trx.deleteFrom("searchEngines").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrationUserPermissions").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrationGroupPermissions").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrationSecrets").where("integrationId", "=", id).execute();
    await trx.deleteFrom("integrations").where("id", "=", id).execute();
  });
}

export async function integrationPermissions(deps: Deps, caller: Caller, id: string) {
  await requireIntegration(deps.db, caller, id, LEVELS.full);
  const [users, groups, inherited] = await Promise.all([
    deps.db
      .selectFrom("integrationUserPermissions as p")
      .innerJoin("users as u", "u.id", "p.userId")
      .select(["u.id", "u.username", "u.name", "u.email", "u.image", "p.level"])
      .where("p.integrationId", "=", id)
      .orderBy("u.username")
      .execute(),
    deps.db
      .selectFrom("integrationGroupPermissions as p")
      .innerJoin("userGroups as g", "g.id", "p.groupId")
      .select(["g.id", "g.name", "p.level"])
      .where("p.integrationId", "=", id)
      .orderBy("g.name")
      .execute(),
    deps.db
      .selectFrom("groupPermissions as gp")
      .innerJoin("userGroups as g", "g.id", "gp.groupId")
      .select(["g.id", "g.name", "gp.permission"])
      .where("gp.permission", "in", ["admin", "integration-full-all", "integration-interact-all", "integration-use-all"])
      .orderBy("g.name")
      .execute(),
  ]);
  const showEmails = caller.permissions.has("user-manage");
  const inheritedLevel = new Map<string, { id: string; name: string; level: number }>();
  for (const r of inherited) {
    const level = r.permission === "admin" || r.permission === "integration-full-all" ? 3 : r.permission === "integration-interact-all" ? 2 : 1;
    const cur = inheritedLevel.get(r.id);
    if (!cur || cur.level < level) inheritedLevel.set(r.id, { id: r.id, name: r.name, level });
  }
  return {
    inherited: [...inheritedLevel.values()].map((g) => ({ group: { id: g.id, name: g.name }, permission: levelName(g.level)! })),
    // E-mail addresses are for user managers (as in user.list); a full-access user sees names only.
    users: users.map((u) => ({
      user: { id: u.id, name: u.name ?? u.username, username: u.username, email: showEmails || u.id === caller.user?.id ? u.email : null, image: u.image },
      permission: levelName(Number(u.level))!,
    })),
    groups: groups.map((g) => ({ group: { id: g.id, name: g.name }, permission: levelName(Number(g.level))! })),
  };
}

/** Replace-all of one principal type's rows; duplicates collapse to the highest level. */
export async function savePermissions(
  deps: Deps,
  caller: Caller,
  principal: "user" | "group",
  input: { entityId: string; permissions: { principalId: string; permission: LevelName }[] },
) {
  await requireIntegration(deps.db, caller, input.entityId, LEVELS.full);
  const levels = new Map<string, number>();
  for (const p of input.permissions) levels.set(p.principalId, Math.max(levels.get(p.principalId) ?? 0, LEVELS[p.permission]));
  const ids = [...levels.keys()];
  if (ids.length) {
    const table = principal === "user" ? "users" : "userGroups";
    const found = new Set((await deps.db.selectFrom(table).select("id").where("id", "in", ids).execute()).map((r) => r.id));
    const index = input.permissions.findIndex((p) => !found.has(p.principalId));
    if (index >= 0) throw badRequest(`permissions[${index}].principalId: unknown ${principal} "${input.permissions[index]!.principalId}"`);
  }
  await transaction(deps.db, async (trx) => {
    await lockIntegration(deps, trx, input.entityId);
    if (principal === "user") {
      await trx.deleteFrom("integrationUserPermissions").where("integrationId", "=", input.entityId).execute();
      if (ids.length) {
        await trx.insertInto("integrationUserPermissions").values(ids.map((userId) => ({ integrationId: input.entityId, userId, level: levels.get(userId)! }))).execute();
      }
    } else {
      await trx.deleteFrom("integrationGroupPermissions").where("integrationId", "=", input.entityId).execute();
      if (ids.length) {
        await trx.insertInto("integrationGroupPermissions").values(ids.map((groupId) => ({ integrationId: input.entityId, groupId, level: levels.get(groupId)! }))).execute();
      }
    }
  }).catch((e) => {
    // A principal deleted between the check and the write.
    if (constraintKind(e) === "foreignKey") throw badRequest(`permissions: a ${principal} was deleted meanwhile; reload and try again`);
    throw e;
  });
}

export type TestConnectionInput =
  | { kind: string; url: string; secrets: { kind: SecretKind; value: string }[] }
  | { id: string; url?: string; secrets?: { kind: SecretKind; value: string | null }[] };

export async function testConnection(deps: Deps, caller: Caller, input: TestConnectionInput) {
  let def: KindDefinition;
  let url: string;
  let secrets: Secrets;
  if ("id" in input) {
    const row = await requireIntegration(deps.db, caller, input.id, LEVELS.full);
    def = kindOrThrow(row.kind);
    url = input.url ?? row.url;
    if (input.secrets) secrets = toSecrets((await resultingSecrets(deps, def, row.id, input.secrets)).result);
    else secrets = toSecrets(await loadSecrets(deps.db, deps.keyring, row.id));
  } else {
    if (!caller.permissions.has("integration-create")) throw forbidden("integration-create");
    def = kindOrThrow(input.kind);
    checkSecretSet(def, input.secrets.map((s) => s.kind));
    url = input.url;
    secrets = toSecrets(input.secrets);
  }
  const outcome = await runConnectionTest(def, url, secrets, await testOptions(deps));
  logOutcome(deps, "testConnection", def.kind, url, outcome.ok ? undefined : outcome.error);
  return outcome.ok ? outcome : { ok: false as const, error: outcome.error };
}

/** Error thrown when the service behind an integration fails during a search (§4). */
export class UpstreamError extends TRPCError {
  constructor(readonly upstream: TestError) {
    super({ code: upstream.code === "TIMEOUT" ? "GATEWAY_TIMEOUT" : "BAD_GATEWAY", message: upstream.message });
  }
}

export async function searchInIntegration(deps: Deps, caller: Caller, input: { integrationId: string; query: string; limit?: number }) {
  const row = await requireIntegration(deps.db, caller, input.integrationId, LEVELS.use);
  const def = kindOrThrow(row.kind);
  if (!def.search || !categoriesOf(def).includes("search")) throw badRequest(`integrationId: ${def.name} integrations do not support search`);
  const secrets = toSecrets(await loadSecrets(deps.db, deps.keyring, row.id));
  const r = await runSearch(def, row.url, secrets, input.query, input.limit ?? 20, await testOptions(deps));
  if (!r.ok) {
    deps.log.info({ kind: def.kind, host: new URL(row.url).host, code: r.error.code }, "search failed upstream");
    throw new UpstreamError(r.error);
  }
  return r.results;
}
