import { fieldError, notFound } from "./errors.js";
import { passwordProblem } from "../auth/password-policy.js";
import { hashPassword, newId, verifyPassword } from "../auth/tokens.js";
import { constraintKind } from "../db/index.js";
import { auditedTransaction } from "./audit.js";
import type { Caller, Deps } from "./deps.js";
import { lockIdentity, requireAdminRemains, requireOutranks } from "./privilege.js";

const missing = () => notFound("User not found");
const conflict = (e: unknown): never => {
  if (constraintKind(e) === "unique") throw fieldError("CONFLICT", "username", "this username is taken");
  throw e;
};

export async function createUser(deps: Deps, caller: Caller, input: { username: string; password: string; email?: string | null; name?: string | null }) {
  requirePasswordPolicy("password", input.password, input.username);
  const id = newId();
  const passwordHash = await hashPassword(input.password);
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
      .insertInto("users")
      .values({ id, username: input.username, email: input.email ?? null, name: input.name ?? null, image: null, passwordHash, createdAt: Date.now() })
      .execute();
    await record({ action: "user.create", target: { type: "user", id, name: input.username }, changes: { username: input.username, email: input.email ?? null, name: input.name ?? null } });
  }).catch(conflict);
  return { id };
}

/** Everyone signed in may list users (to share integrations with them); emails only for user managers. */
export async function listUsers(deps: Deps, caller: Caller) {
  const rows = await deps.db.selectFrom("users").select(["id", "username", "name", "email", "image"]).orderBy("username").execute();
  const manager = caller.permissions.has("user-manage");
  return rows.map((u) => ({ ...u, email: manager || u.id === caller.user?.id ? u.email : null }));
}

export async function userById(deps: Deps, caller: Caller, id: string) {
  if (id !== caller.user?.id && !caller.permissions.has("user-manage")) throw missing();
  const u = await deps.db.selectFrom("users").select(["id", "username", "name", "email", "image", "createdAt"]).where("id", "=", id).executeTakeFirst();
  if (!u) throw missing();
  const groups = await deps.db
    .selectFrom("groupMembers as m")
    .innerJoin("userGroups as g", "g.id", "m.groupId")
    .select(["g.id", "g.name"])
    .where("m.userId", "=", id)
    .orderBy("g.name")
    .execute();
  return { ...u, createdAt: new Date(Number(u.createdAt)), groups };
}

/** Only a user whose access is within the caller's; never the last admin. */
export async function deleteUser(deps: Deps, caller: Caller, id: string) {
  if (id === caller.user?.id) throw fieldError("BAD_REQUEST", "id", "you cannot delete yourself");
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIdentity(trx);
    const target = await requireOutranks(trx, caller, id, "delete");
    await requireAdminRemains(trx, { user: id }, `Deleting "${target.username}"`);
    for (const t of ["sessions", "apiKeys", "groupMembers", "integrationUserPermissions"] as const) {
      await trx.deleteFrom(t).where("userId", "=", id).execute();
    }
    for (const t of ["integrations", "apps", "searchEngines"] as const) {
      await trx.updateTable(t).set({ createdBy: null }).where("createdBy", "=", id).execute();
    }
    await trx.deleteFrom("users").where("id", "=", id).execute();
    await record({ action: "user.delete", target: { type: "user", id, name: target.username } });
  });
}

/** The password policy (src/auth/password-policy.ts) as a BAD_REQUEST naming the field. */
export function requirePasswordPolicy(field: string, password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw fieldError("BAD_REQUEST", field, problem);
}

/**
 * Users change their own password with the current one (their other sessions end). User managers reset the
 * password of a user whose access is within their own (every session of that user ends): resetting an
 * admin's password would make the resetter that admin.
 */
export async function changePassword(
  deps: Deps,
  caller: Caller,
  input: { userId?: string; currentPassword?: string; newPassword: string },
  currentSessionHash?: string,
) {
  const userId = input.userId ?? caller.user!.id;
  const self = userId === caller.user!.id;
  if (!self && !caller.permissions.has("user-manage")) throw missing();
  const user = await deps.db.selectFrom("users").select(["id", "username", "passwordHash"]).where("id", "=", userId).executeTakeFirst();
  if (!user) throw missing();
  if (self && !(await verifyPassword(user.passwordHash, input.currentPassword ?? ""))) {
    throw fieldError("BAD_REQUEST", "currentPassword", "the current password is wrong");
  }
  // Refused early (before the slow hash); checked again inside the write's transaction.
  if (!self) await requireOutranks(deps.db, caller, userId, "reset the password of");
  requirePasswordPolicy("newPassword", input.newPassword, user.username);
  const passwordHash = await hashPassword(input.newPassword);
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    if (!self) await requireOutranks(trx, caller, userId, "reset the password of");
    await trx.updateTable("users").set({ passwordHash }).where("id", "=", userId).execute();
    let del = trx.deleteFrom("sessions").where("userId", "=", userId);
    if (self && currentSessionHash) del = del.where("tokenHash", "!=", currentSessionHash);
    const ended = await del.executeTakeFirst();
    // That the password changed, never the password.
    await record({ action: "user.changePassword", target: { type: "user", id: userId, name: user.username }, changes: { password: "changed", sessionsEnded: Number(ended.numDeletedRows) } });
  });
}
