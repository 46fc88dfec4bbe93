import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import { DomainError } from "./errors.js";
import { globalIntegrationLevel } from "../auth/permissions.js";
import type { Db } from "../db/index.js";
import { EVERYONE_GROUP_ID, type Database } from "../db/schema.js";
import type { Caller } from "./deps.js";

/**
 * The one permission building block (docs/architecture.md, "One permission query"). It yields the integrations the
 * caller can at least use, each with the caller's effective level:
 *   max(user rows, rows of every group the caller is in incl. `everyone`, level from global permissions)
 * computed in SQL, so a list, a check and a search are each one query, filtered to the caller.
 */
function accessibleFrom(db: Db, caller: Caller, only?: string | readonly string[]) {
  // One id (primary-key lookups) or a list of ids (`id in (...)`, e.g. a capability read over many integrations).
  const ids = typeof only === "string" ? [only] : only;
  const userId = caller.user?.id ?? "";
  const global = caller.user ? globalIntegrationLevel(caller.permissions) : 0;
  if (global >= 3) {
    // Full access to everything: no permission rows to read at all.
    const all = db.selectFrom("integrations as i");
    return { query: ids === undefined ? all : all.where("i.id", "in", ids), level: sql<number>`3` };
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
  return { query: global > 0 ? joined : joined.where("lv.level", ">=", 1), level };
}

/** `only`: one id, or several (never an empty list: `in ()` is not SQL). */
export function accessibleIntegrations(db: Db, caller: Caller, only?: string | readonly string[]) {
  const { query, level } = accessibleFrom(db, caller, only);
  return query.selectAll("i").select(level.as("level"));
}

/** The same, with only what a list item shows (fewer columns to read and map on big lists). */
export function accessibleList(db: Db, caller: Caller, only?: readonly string[]) {
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
export function usableBy(caller: Caller): ((eb: ExpressionBuilder<IntegrationRow, "i">) => Expression<SqlBool>) | undefined {
  if (caller.user && globalIntegrationLevel(caller.permissions) > 0) return undefined;
  const userId = caller.user?.id ?? "";
  return (eb) =>
    eb.or([
      eb.exists(
        eb
          .selectFrom("integrationUserPermissions as up")
          .select("up.level")
          .whereRef("up.integrationId", "=", "i.id")
          .where("up.userId", "=", userId)
          .where("up.level", ">=", 1),
      ),
      eb.exists(
        eb
          .selectFrom("integrationGroupPermissions as gp")
          .select("gp.level")
          .whereRef("gp.integrationId", "=", "i.id")
          .where("gp.level", ">=", 1)
          .where((g) => g.or([g("gp.groupId", "=", EVERYONE_GROUP_ID), g("gp.groupId", "in", g.selectFrom("groupMembers").select("groupId").where("userId", "=", userId))])),
      ),
    ]);
}

type IntegrationRow = Database & { i: Database["integrations"] };

export type AccessibleQuery = ReturnType<typeof accessibleIntegrations>;

/**
 * One query that returns the integration only if the caller has at least `min`; "missing" and "not allowed"
 * are the same NOT_FOUND by construction, so ids cannot be enumerated.
 */
export async function requireIntegration(db: Db, caller: Caller, id: string, min: number) {
  const row = await accessibleIntegrations(db, caller, id).executeTakeFirst();
  if (!row || Number(row.level) < min) throw new DomainError("NOT_FOUND", "Integration not found");
  return { ...row, level: Number(row.level) };
}

export type { SelectQueryBuilder, Database };
