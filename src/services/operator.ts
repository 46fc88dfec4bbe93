import { expandPermissions } from "../auth/permissions.js";
import { passwordProblem } from "../auth/password-policy.js";
import { hashPassword, newId } from "../auth/tokens.js";
import { constraintKind } from "../db/index.js";
import { createFirstAdmin, hasUsers } from "./auth.js";
import type { Caller, Deps } from "./deps.js";
import { OperatorError } from "./errors.js";
import { auditedTransaction, operatorActor, type Actor } from "./audit.js";

/** The `patchbay` CLI on the host. */
export const OPERATOR: Actor = operatorActor("operator", "cli");

/**
 * What the operator does on the host (the `patchbay` CLI, provisioning at start): actions that are not
 * requests of a signed-in user, so they do not go through the API's permission checks.
 */
export { OperatorError };

/**
 * The identity that operator actions act as: the first admin (the oldest user in a group holding `admin`).
 * A real user rather than a synthetic one, because what is created needs a creator row (docs/api.md, "Per-integration permissions") and an
 * audit trail that points at a person who can be asked; undefined while the instance has no admin yet.
 */
export async function firstAdmin(deps: Deps): Promise<{ id: string; username: string } | undefined> {
  return deps.db
    .selectFrom("users as u")
    .innerJoin("groupMembers as m", "m.userId", "u.id")
    .innerJoin("groupPermissions as p", "p.groupId", "m.groupId")
    .select(["u.id", "u.username"])
    .where("p.permission", "=", "admin")
    .orderBy("u.createdAt")
    .orderBy("u.id")
    .limit(1)
    .executeTakeFirst();
}

/** The one operator caller factory: `user` acting with admin rights, the audit log naming `actor`. */
function operatorAs(user: { id: string; username: string }, actor: Actor): Caller {
  return { user, permissions: expandPermissions(["admin"]), via: null, actor };
}

/** The audit log names `actor` (the operator or provisioning), not the admin whose rights are borrowed. */
export async function operatorCaller(deps: Deps, actor: Actor = OPERATOR): Promise<Caller | undefined> {
  const admin = await firstAdmin(deps);
  return admin ? operatorAs(admin, actor) : undefined;
}

/**
 * The operator on the host for actions that write nothing in a user's name (`patchbay test`): admin rights
 * without a user row, so it works before the first admin exists.
 */
export function hostOperator(actor: Actor = OPERATOR): Caller {
  return operatorAs({ id: "", username: "patchbay-cli" }, actor);
}

function requirePolicy(password: string, username: string) {
  const problem = passwordProblem(password, username);
  if (problem) throw new OperatorError(`the password ${problem}`);
}

/** Creates an admin: the first admin on an empty instance, or a new member of a group holding `admin`. */
export async function createAdmin(deps: Deps, username: string, password: string): Promise<{ id: string; group: string }> {
  requirePolicy(password, username);
  const taken = await deps.db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirst();
  if (taken) throw new OperatorError(`a user named "${username}" already exists`);
  if (!(await hasUsers(deps.db))) {
    const { id } = await createFirstAdmin(deps, username, password, OPERATOR);
    return { id, group: "admins" };
  }
  const passwordHash = await hashPassword(password);
  const userId = newId();
  let groupName = "admins";
  await auditedTransaction(deps.db, OPERATOR, async (trx, record) => {
      // Prefer an existing group that holds `admin` (named "admins" first); otherwise create "admins".
      const holders = await trx
        .selectFrom("userGroups as g")
        .innerJoin("groupPermissions as p", "p.groupId", "g.id")
        .select(["g.id", "g.name"])
        .where("p.permission", "=", "admin")
        .orderBy("g.createdAt")
        .execute();
      let group = holders.find((g) => g.name === "admins") ?? holders[0];
      if (!group) {
        const existing = await trx.selectFrom("userGroups").select(["id", "name"]).where("name", "=", "admins").executeTakeFirst();
        group = existing ?? { id: newId(), name: "admins" };
        if (!existing) await trx.insertInto("userGroups").values({ id: group.id, name: group.name, createdAt: Date.now() }).execute();
        await trx.insertInto("groupPermissions").values({ groupId: group.id, permission: "admin" }).execute();
      }
      groupName = group.name;
      await trx.insertInto("users").values({ id: userId, username, email: null, name: null, image: null, passwordHash, createdAt: Date.now() }).execute();
      await trx.insertInto("groupMembers").values({ groupId: group.id, userId }).execute();
      await record({ action: "user.create", target: { type: "user", id: userId, name: username }, changes: { username, group: group.name, admin: true } });
    }).catch((e) => {
      if (constraintKind(e) === "unique") throw new OperatorError(`a user named "${username}" already exists`);
      throw e;
    });
  return { id: userId, group: groupName };
}

/** Sets a user's password and ends every session of that user (API keys stay: they are revoked separately). */
export async function resetPassword(deps: Deps, username: string, password: string): Promise<{ id: string; sessionsEnded: number }> {
  requirePolicy(password, username);
  const user = await deps.db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirst();
  if (!user) throw new OperatorError(`there is no user named "${username}"`);
  const passwordHash = await hashPassword(password);
  const ended = await auditedTransaction(deps.db, OPERATOR, async (trx, record) => {
    await trx.updateTable("users").set({ passwordHash }).where("id", "=", user.id).execute();
    const res = await trx.deleteFrom("sessions").where("userId", "=", user.id).executeTakeFirst();
    await record({ action: "user.changePassword", target: { type: "user", id: user.id, name: username }, changes: { password: "changed", sessionsEnded: Number(res.numDeletedRows) } });
    return Number(res.numDeletedRows);
  });
  return { id: user.id, sessionsEnded: ended };
}

/** An integration by id, or else by its exact name (case-insensitive); a name shared by several is ambiguous. */
export async function findIntegration(deps: Deps, idOrName: string) {
  const byId = await deps.db.selectFrom("integrations").select(["id", "name", "kind", "url"]).where("id", "=", idOrName).executeTakeFirst();
  if (byId) return byId;
  const all = await deps.db.selectFrom("integrations").select(["id", "name", "kind", "url"]).execute();
  const wanted = idOrName.trim().toLowerCase();
  const named = all.filter((r) => r.name.toLowerCase() === wanted);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new OperatorError(`${named.length} integrations are named "${idOrName}"; use the id: ${named.map((r) => `${r.id} (${r.kind}, ${r.url})`).join(", ")}`);
  }
  throw new OperatorError(`no integration with the id or name "${idOrName}"`);
}
