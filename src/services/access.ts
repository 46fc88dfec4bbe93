import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, type Transaction } from "kysely";
import { globalIntegrationLevel, highestLevels, INHERITING_PERMISSIONS, inheritedLevel, levelName, LEVELS, mayManageShared, type GlobalPermission, type LevelName } from "../auth/permissions.js";
import { constraintKind, type Db, type DialectName } from "../db/index.js";
import { EVERYONE_GROUP_ID, type Database } from "../db/schema.js";
import { auditedTransaction } from "./audit.js";
import type { Caller, Deps } from "./deps.js";
import { fieldError, missingPermission, notFound } from "./errors.js";

/**
 * The permission module (docs/architecture.md, "Permissions"): who may do what to an integration, an app or a
 * search engine. The pure rules (global permissions, levels, inheritance, the creator rule, grants within
 * one's own rights) are in src/auth/permissions.ts; this module applies them to the database: the access
 * query, `requireIntegration`, the global-permission check, and reading and saving per-integration rows.
 */

/** "Missing" and "not allowed" read the same, so ids cannot be enumerated. */
export const integrationNotFound = () => notFound("Integration not found");

/** A global permission the caller must hold (the procedures' `requirePermission` and the services' own checks). */
export function requireGlobal(caller: Caller, permission: GlobalPermission): void {
  if (!caller.permissions.has(permission)) throw missingPermission(permission);
}

/** Apps and search engines: changing one needs `fullAll`, or having created it (src/auth/permissions.ts, mayManageShared). */
export function requireCreatorOr(caller: Caller, createdBy: string | null, fullAll: "app-full-all" | "search-engine-full-all"): void {
  if (!mayManageShared(caller.permissions, caller.user?.id, createdBy, fullAll)) throw missingPermission(fullAll);
}

/**
 * Whom the access query is for: the user's id ("" for nobody) and the level the caller's global permissions
 * give every integration. Queries prepared once (src/db/prepared.ts) take the id as a value and the level as
 * their variant.
 */
export interface Principal {
  userId: string;
  global: number;
}

export function principalOf(caller: Caller): Principal {
  return { userId: caller.user?.id ?? "", global: caller.user ? globalIntegrationLevel(caller.permissions) : 0 };
}

/**
 * The one permission building block (docs/architecture.md, "Permissions"). It yields the integrations the
 * caller can at least use, each with the caller's effective level:
 *   max(user rows, rows of every group the caller is in incl. `everyone`, level from global permissions)
 * computed in SQL, so a list, a check and a search are each one query, filtered to the caller.
 */
function accessibleFrom(db: Db, caller: Caller | Principal, only?: string | readonly string[]) {
  // One id (primary-key lookups) or a list of ids (`id in (...)`, e.g. a capability read over many integrations).
  const ids = typeof only === "string" ? [only] : only;
  const { userId, global } = "userId" in caller ? caller : principalOf(caller);
  if (global >= LEVELS.full) {
    // Full access to everything: no permission rows to read at all.
    const all = db.selectFrom("integrations as i");
    return { query: ids === undefined ? all : all.where("i.id", "in", ids), level: sql<number>`${sql.lit(LEVELS.full)}` };
  }
  let userRows = db.selectFrom("integrationUserPermissions").select(["integrationId", "level"]).where("userId", "=", userId);
  let groupRows = db
    .selectFrom("integrationGroupPermissions")
    .select(["integrationId", "level"])
    .where((eb) =>
      eb.or([
        eb("groupId", "=", EVERYONE_GROUP_ID),
        eb("groupId", "in", db.selectFrom("groupMembers").select("groupId").where("userId", "=", userId)),
      ]),
    );
  if (ids !== undefined) {
    // Given integrations: read only their permission rows (primary-key prefix) instead of aggregating every
    // row of the caller and then keeping a few.
    userRows = userRows.where("integrationId", "in", ids);
    groupRows = groupRows.where("integrationId", "in", ids);
  }
  const rows = userRows.unionAll(groupRows);
  const levels = db
    .selectFrom(rows.as("p"))
    .select(["p.integrationId", (eb) => eb.fn.max("p.level").as("level")])
    .groupBy("p.integrationId");
  const all = db.selectFrom("integrations as i").leftJoin(levels.as("lv"), "lv.integrationId", "i.id");
  const joined = ids === undefined ? all : all.where("i.id", "in", ids);
  const level = sql<number>`case when coalesce(${sql.ref("lv.level")}, 0) > ${sql.lit(global)} then ${sql.ref("lv.level")} else ${sql.lit(global)} end`;
  // Without a global level, only integrations with a row for the caller are visible at all.
  return { query: global > 0 ? joined : joined.where("lv.level", ">=", LEVELS.use), level };
}

/** `only`: one id, or several (never an empty list: `in ()` is not SQL). */
export function accessibleIntegrations(db: Db, caller: Caller | Principal, only?: string | readonly string[]) {
  const { query, level } = accessibleFrom(db, caller, only);
  return query.selectAll("i").select(level.as("level"));
}

/** The same, with only what a list item shows (fewer columns to read and map on big lists). */
export function accessibleList(db: Db, caller: Caller | Principal, only?: readonly string[]) {
  const { query, level } = accessibleFrom(db, caller, only);
  return query.select(["i.id", "i.name", "i.kind", "i.url", level.as("level")]);
}

/**
 * "The caller can use integration `i`" as a condition on each row of `integrations as i` (correlated EXISTS
 * on the permission tables' primary keys), for scans that stop after a few rows (integration.search): unlike
 * accessibleFrom's join it never aggregates the caller's other permission rows. Undefined when a global
 * permission makes every integration usable. Same rule as accessibleFrom: a user row, a row of a group the
 * caller is in (incl. `everyone`), or a global level.
 */
export function usableBy(caller: Caller | Principal): ((eb: ExpressionBuilder<IntegrationRow, "i">) => Expression<SqlBool>) | undefined {
  const { userId, global } = "userId" in caller ? caller : principalOf(caller);
  if (global > 0) return undefined;
  return (eb) => eb.or([eb.exists(userRowsOf(eb, userId).select("up.level")), eb.exists(groupRowsOf(eb, userId).select("gp.level"))]);
}

/** The caller's user rows on integration `i` that give at least `use` (primary-key lookup). */
function userRowsOf(eb: ExpressionBuilder<IntegrationRow, "i">, userId: string) {
  return eb
    .selectFrom("integrationUserPermissions as up")
    .whereRef("up.integrationId", "=", "i.id")
    .where("up.userId", "=", userId)
    .where("up.level", ">=", LEVELS.use);
}

/** The rows of the caller's groups (incl. `everyone`) on integration `i` that give at least `use`. */
function groupRowsOf(eb: ExpressionBuilder<IntegrationRow, "i">, userId: string) {
  return eb
    .selectFrom("integrationGroupPermissions as gp")
    .whereRef("gp.integrationId", "=", "i.id")
    .where("gp.level", ">=", LEVELS.use)
    .where((g) => g.or([g("gp.groupId", "=", EVERYONE_GROUP_ID), g("gp.groupId", "in", g.selectFrom("groupMembers").select("groupId").where("userId", "=", userId))]));
}

/**
 * The caller's level on integration `i` as an expression of each row (correlated primary-key lookups), for
 * results of a few rows such as integration.search's: the same rule as accessibleFrom — the highest of the
 * user row, the caller's group rows and the global level. SQLite's multi-argument max() is GREATEST elsewhere.
 */
export function levelOn(who: Principal, dialect: DialectName) {
  return (eb: ExpressionBuilder<IntegrationRow, "i">): RawBuilder<number> => {
    if (who.global >= LEVELS.full) return sql<number>`${sql.lit(LEVELS.full)}`;
    const user = userRowsOf(eb, who.userId).select((e) => e.fn.max("up.level").as("l"));
    const group = groupRowsOf(eb, who.userId).select((e) => e.fn.max("gp.level").as("l"));
    const greatest = sql.raw(dialect === "sqlite" ? "max" : "greatest");
    return sql<number>`${greatest}(coalesce((${user}), 0), coalesce((${group}), 0), ${sql.lit(who.global)})`;
  };
}

type IntegrationRow = Database & { i: Database["integrations"] };

export type AccessibleQuery = ReturnType<typeof accessibleIntegrations>;

/**
 * One query that returns the integration only if the caller has at least `min`; "missing" and "not allowed"
 * are the same NOT_FOUND by construction, so ids cannot be enumerated.
 */
export async function requireIntegration(db: Db, caller: Caller, id: string, min: number) {
  const row = await accessibleIntegrations(db, caller, id).executeTakeFirst();
  if (!row || Number(row.level) < min) throw integrationNotFound();
  return { ...row, level: Number(row.level) };
}

/**
 * Serialises writers of one integration: the row lock makes a concurrent replace-all wait and then see the
 * committed rows (instead of inserting next to them), and a write to an integration deleted meanwhile is a
 * clean NOT_FOUND. SQLite runs one write transaction at a time anyway and has no FOR UPDATE.
 */
export async function lockIntegration(deps: Deps, trx: Transaction<Database>, id: string): Promise<void> {
  let q = trx.selectFrom("integrations").select("id").where("id", "=", id);
  if (deps.dialect !== "sqlite") q = q.forUpdate();
  if (!(await q.executeTakeFirst())) throw integrationNotFound();
}


/** Who has which level on an integration: user rows, group rows, and groups whose global permissions give one. */
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
      .where("gp.permission", "in", INHERITING_PERMISSIONS)
      .orderBy("g.name")
      .execute(),
  ]);
  const showEmails = caller.permissions.has("user-manage");
  const byGroup = new Map<string, { id: string; name: string; level: number }>();
  for (const r of inherited) {
    const level = inheritedLevel(r.permission);
    const cur = byGroup.get(r.id);
    if (!cur || cur.level < level) byGroup.set(r.id, { id: r.id, name: r.name, level });
  }
  return {
    inherited: [...byGroup.values()].map((g) => ({ group: { id: g.id, name: g.name }, permission: levelName(g.level)! })),
    // E-mail addresses are for user managers (as in user.list); a full-access user sees names only.
    users: users.map((u) => ({
      user: { id: u.id, name: u.name ?? u.username, username: u.username, email: showEmails || u.id === caller.user?.id ? u.email : null, image: u.image },
      permission: levelName(Number(u.level))!,
    })),
    groups: groups.map((g) => ({ group: { id: g.id, name: g.name }, permission: levelName(Number(g.level))! })),
  };
}

const byPrincipal = (a: { principalId: string }, b: { principalId: string }) => (a.principalId < b.principalId ? -1 : a.principalId > b.principalId ? 1 : 0);

/** The permission rows of one principal type, as the audit log shows them (before → after). */
async function permissionRows(trx: Transaction<Database>, principal: "user" | "group", integrationId: string) {
  const rows =
    principal === "user"
      ? await trx.selectFrom("integrationUserPermissions").select(["userId as principalId", "level"]).where("integrationId", "=", integrationId).execute()
      : await trx.selectFrom("integrationGroupPermissions").select(["groupId as principalId", "level"]).where("integrationId", "=", integrationId).execute();
  return rows.map((r) => ({ principalId: r.principalId, permission: levelName(Number(r.level))! })).sort(byPrincipal);
}

/** Replace-all of one principal type's rows; duplicates collapse to the highest level. */
export async function savePermissions(
  deps: Deps,
  caller: Caller,
  principal: "user" | "group",
  input: { entityId: string; permissions: { principalId: string; permission: LevelName }[] },
) {
  const row = await requireIntegration(deps.db, caller, input.entityId, LEVELS.full);
  const levels = highestLevels(input.permissions);
  const ids = [...levels.keys()];
  if (ids.length) {
    const table = principal === "user" ? "users" : "userGroups";
    const found = new Set((await deps.db.selectFrom(table).select("id").where("id", "in", ids).execute()).map((r) => r.id));
    const index = input.permissions.findIndex((p) => !found.has(p.principalId));
    if (index >= 0) throw fieldError("BAD_REQUEST", `permissions[${index}].principalId`, `unknown ${principal} "${input.permissions[index]!.principalId}"`);
  }
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIntegration(deps, trx, input.entityId);
    const before = await permissionRows(trx, principal, input.entityId);
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
    const after = ids.map((principalId) => ({ principalId, permission: levelName(levels.get(principalId)!)! })).sort(byPrincipal);
    await record({
      action: principal === "user" ? "integration.saveUserIntegrationPermissions" : "integration.saveGroupIntegrationPermissions",
      target: { type: "integration", id: input.entityId, name: row.name },
      integrationId: input.entityId,
      changes: { before, after },
    });
  }).catch((e) => {
    // A principal deleted between the check and the write.
    if (constraintKind(e) === "foreignKey") throw fieldError("BAD_REQUEST", "permissions", `a ${principal} was deleted meanwhile; reload and try again`);
    throw e;
  });
}
