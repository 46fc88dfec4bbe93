import { forbidden, notFound } from "./errors.js";
import { expandPermissions, globalIntegrationLevel, LEVELS, missingGrants, type GlobalPermission } from "../auth/permissions.js";
import type { Db } from "../db/index.js";
import { EVERYONE_GROUP_ID } from "../db/schema.js";
import { accessibleList } from "./access.js";
import type { Caller } from "./deps.js";
import { userActor } from "./audit.js";

/**
 * The rule of every identity write (README "Security model", docs/security-identity.md): nobody gives anyone —
 * themselves included — a permission they do not hold, and nobody takes away the last admin. Every check here
 * runs inside the write's transaction, after `lockIdentity`, so two concurrent writes cannot both pass a
 * check that only one of them may pass (two admins demoting each other).
 */

/**
 * Serialises identity writes: a no-op update of the built-in `everyone` row takes its row lock on
 * PostgreSQL/MariaDB and the write lock on SQLite, so the checks below read what the previous writer committed.
 */
export async function lockIdentity(trx: Db): Promise<void> {
  await trx.updateTable("userGroups").set((eb) => ({ name: eb.ref("name") })).where("id", "=", EVERYONE_GROUP_ID).execute();
}

/** The global permissions a user holds (through their groups and `everyone`), expanded. */
export async function globalPermissionsOf(q: Db, userId: string): Promise<Set<GlobalPermission>> {
  const rows = await q
    .selectFrom("groupPermissions")
    .select("permission")
    .where((eb) =>
      eb.or([eb("groupId", "=", EVERYONE_GROUP_ID), eb("groupId", "in", eb.selectFrom("groupMembers").select("groupId").where("userId", "=", userId))]),
    )
    .execute();
  return expandPermissions(rows.map((r) => r.permission));
}

const quoteList = (items: string[]) => items.map((p) => `"${p}"`).join(", ");

/** Integrations among `ids` on which the caller's level is below `needed(id)`: named if the caller sees them, else counted. */
async function integrationsBelow(q: Db, caller: Caller, needed: Map<string, number>): Promise<string | undefined> {
  if (!needed.size || globalIntegrationLevel(caller.permissions) >= LEVELS.full) return undefined;
  const ids = [...needed.keys()];
  const mine = await accessibleList(q, caller).where("i.id", "in", ids).execute();
  const level = new Map(mine.map((r) => [r.id, { name: r.name, level: Number(r.level) }]));
  const named: string[] = [];
  let hidden = 0;
  for (const [id, min] of needed) {
    const have = level.get(id);
    if (have && have.level >= min) continue;
    if (have) named.push(`"${have.name}"`);
    else hidden++;
  }
  if (!named.length && !hidden) return undefined;
  const parts = [...named, ...(hidden ? [`${hidden} integration(s) you cannot see`] : [])];
  return parts.join(", ");
}

/**
 * The caller may change a group (delete it, its permissions, its members) only when they hold every global
 * permission it grants — and would grant after the change (`adding`) — and `full` on every integration it has
 * a permission row on (adding a member hands that member those rows). Returns the group's name and grants.
 */
export async function requireControlsGroup(q: Db, caller: Caller, groupId: string, action: string, adding: string[] = []) {
  const group = await q.selectFrom("userGroups").select(["id", "name"]).where("id", "=", groupId).executeTakeFirst();
  if (!group) throw notFound("Group not found");
  const [grants, rows] = await Promise.all([
    q.selectFrom("groupPermissions").select("permission").where("groupId", "=", groupId).execute(),
    q.selectFrom("integrationGroupPermissions").select("integrationId").where("groupId", "=", groupId).execute(),
  ]);
  const permissions = grants.map((g) => g.permission);
  const missing = missingGrants(caller.permissions, [...permissions, ...adding]);
  const lacking = await integrationsBelow(q, caller, new Map(rows.map((r) => [r.integrationId, LEVELS.full])));
  if (missing.length || lacking) {
    const why = [
      ...(missing.length ? [`it grants ${quoteList(missing)}, which you do not hold`] : []),
      ...(lacking ? [`it has access to integrations on which you lack "full": ${lacking}`] : []),
    ];
    throw forbidden(`You cannot ${action} the group "${group.name}": ${why.join("; ")}`);
  }
  return { name: group.name, permissions };
}

/**
 * The caller may take over (reset the password of) or delete another user only when that user's access is
 * within the caller's own: every global permission, and at least the same level on every integration.
 */
export async function requireOutranks(q: Db, caller: Caller, targetId: string, action: string): Promise<{ id: string; username: string }> {
  const target = await q.selectFrom("users").select(["id", "username"]).where("id", "=", targetId).executeTakeFirst();
  if (!target) throw notFound("User not found");
  const permissions = await globalPermissionsOf(q, target.id);
  const missing = missingGrants(caller.permissions, permissions);
  let lacking: string | undefined;
  if (!missing.length) {
    // Only what the target can reach beyond the caller matters; with equal global rights that is their rows.
    const floor = globalIntegrationLevel(caller.permissions); // the caller has at least this on every integration
    const theirs = (await accessibleList(q, { user: target, permissions, via: null, actor: userActor(target) }).execute()).filter((r) => Number(r.level) > floor);
    lacking = await integrationsBelow(q, caller, new Map(theirs.map((r) => [r.id, Number(r.level)])));
  }
  if (missing.length || lacking) {
    const why = missing.length ? `they hold ${quoteList(missing)}, which you do not` : `they have more access than you to: ${lacking}`;
    throw forbidden(`You cannot ${action} "${target.username}": ${why}`);
  }
  return target;
}

/** A hypothetical change: a group's `admin` grant gone, one membership gone, or one user gone. */
interface AdminLoss {
  group?: string;
  membership?: { groupId: string; userId: string };
  user?: string;
}

/** How many users hold `admin` (through a group, or everyone through `everyone`) after the change. */
async function adminCount(q: Db, loss: AdminLoss): Promise<number> {
  let grantors = q.selectFrom("groupPermissions").select("groupId").where("permission", "=", "admin");
  if (loss.group) grantors = grantors.where("groupId", "!=", loss.group);
  const groups = (await grantors.execute()).map((g) => g.groupId);
  if (groups.includes(EVERYONE_GROUP_ID)) {
    let users = q.selectFrom("users").select((eb) => eb.fn.countAll().as("n"));
    if (loss.user) users = users.where("id", "!=", loss.user);
    return Number((await users.executeTakeFirstOrThrow()).n);
  }
  if (!groups.length) return 0;
  let members = q.selectFrom("groupMembers").select("userId").distinct().where("groupId", "in", groups);
  if (loss.user) members = members.where("userId", "!=", loss.user);
  const m = loss.membership;
  if (m) members = members.where((eb) => eb.not(eb.and([eb("groupId", "=", m.groupId), eb("userId", "=", m.userId)])));
  // A user who loses one membership may still be admin through another admin-granting group.
  return new Set((await members.execute()).map((r) => r.userId)).size;
}

/** Refuses a change after which no user would hold `admin` (when one did before), whoever asks. */
export async function requireAdminRemains(q: Db, loss: AdminLoss, what: string): Promise<void> {
  const after = await adminCount(q, loss);
  if (after > 0) return;
  if ((await adminCount(q, {})) === 0) return; // nobody is admin anyway: nothing to protect
  throw forbidden(`${what} would leave Patchbay without an admin; make another user admin first`);
}
