import { fieldError, notFound } from "./errors.js";
import type { GlobalPermission } from "../auth/permissions.js";
import { newId } from "../auth/tokens.js";
import { constraintKind } from "../db/index.js";
import { auditedTransaction } from "./audit.js";
import { EVERYONE_GROUP_ID } from "../db/schema.js";
import type { Caller, Deps } from "./deps.js";
import { lockIdentity, requireAdminRemains, requireControlsGroup } from "./privilege.js";

const missing = () => notFound("Group not found");

export async function createGroup(deps: Deps, caller: Caller, name: string) {
  const id = newId();
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx.insertInto("userGroups").values({ id, name, createdAt: Date.now() }).execute();
    await record({ action: "group.create", target: { type: "group", id, name }, changes: { name } });
  }).catch((e) => {
      if (constraintKind(e) === "unique") throw fieldError("CONFLICT", "name", "a group with this name exists");
      throw e;
    });
  return { id };
}

export async function listGroups(deps: Deps) {
  const [groups, perms, members] = await Promise.all([
    deps.db.selectFrom("userGroups").select(["id", "name"]).orderBy("name").execute(),
    deps.db.selectFrom("groupPermissions").select(["groupId", "permission"]).execute(),
    deps.db.selectFrom("groupMembers").select(["groupId", (eb) => eb.fn.countAll().as("n")]).groupBy("groupId").execute(),
  ]);
  const count = new Map(members.map((m) => [m.groupId, Number(m.n)]));
  return groups.map((g) => ({
    ...g,
    builtIn: g.id === EVERYONE_GROUP_ID,
    permissions: perms.filter((p) => p.groupId === g.id).map((p) => p.permission).sort(),
    memberCount: g.id === EVERYONE_GROUP_ID ? null : (count.get(g.id) ?? 0),
  }));
}

export async function groupById(deps: Deps, id: string) {
  const g = await deps.db.selectFrom("userGroups").select(["id", "name"]).where("id", "=", id).executeTakeFirst();
  if (!g) throw missing();
  const [perms, members] = await Promise.all([
    deps.db.selectFrom("groupPermissions").select("permission").where("groupId", "=", id).execute(),
    deps.db
      .selectFrom("groupMembers as m")
      .innerJoin("users as u", "u.id", "m.userId")
      .select(["u.id", "u.username", "u.name"])
      .where("m.groupId", "=", id)
      .orderBy("u.username")
      .execute(),
  ]);
  return { ...g, builtIn: g.id === EVERYONE_GROUP_ID, permissions: perms.map((p) => p.permission).sort(), members };
}

function notEveryone(id: string, what: string) {
  if (id === EVERYONE_GROUP_ID) throw fieldError("BAD_REQUEST", "groupId", `the built-in group "everyone" ${what}`);
}

/** Deleting a group takes its grants from its members: only for a caller who controls it, never the last admin's. */
export async function deleteGroup(deps: Deps, caller: Caller, id: string) {
  notEveryone(id, "cannot be deleted");
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIdentity(trx);
    const group = await requireControlsGroup(trx, caller, id, "delete");
    if (group.permissions.includes("admin")) await requireAdminRemains(trx, { group: id }, `Deleting the group "${group.name}"`);
    await trx.deleteFrom("groupMembers").where("groupId", "=", id).execute();
    await trx.deleteFrom("groupPermissions").where("groupId", "=", id).execute();
    await trx.deleteFrom("integrationGroupPermissions").where("groupId", "=", id).execute();
    await trx.deleteFrom("userGroups").where("id", "=", id).execute();
    await record({ action: "group.delete", target: { type: "group", id, name: group.name }, changes: { permissions: group.permissions } });
  });
}

export async function addMember(deps: Deps, caller: Caller, groupId: string, userId: string) {
  notEveryone(groupId, "holds every user already");
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIdentity(trx);
    const group = await requireControlsGroup(trx, caller, groupId, "add members to");
    const user = await trx.selectFrom("users").select(["id", "username"]).where("id", "=", userId).executeTakeFirst();
    if (!user) throw fieldError("BAD_REQUEST", "userId", `unknown user "${userId}"`);
    const already = await trx.selectFrom("groupMembers").select("userId").where("groupId", "=", groupId).where("userId", "=", userId).executeTakeFirst();
    if (!already) await trx.insertInto("groupMembers").values({ groupId, userId }).execute();
    await record({ action: "group.addMember", target: { type: "group", id: groupId, name: group.name }, changes: { userId, username: user.username, alreadyMember: Boolean(already) } });
  });
}

export async function removeMember(deps: Deps, caller: Caller, groupId: string, userId: string) {
  notEveryone(groupId, "holds every user");
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIdentity(trx);
    const group = await requireControlsGroup(trx, caller, groupId, "remove members from");
    if (group.permissions.includes("admin")) {
      await requireAdminRemains(trx, { membership: { groupId, userId } }, `Removing this user from the group "${group.name}"`);
    }
    const res = await trx.deleteFrom("groupMembers").where("groupId", "=", groupId).where("userId", "=", userId).executeTakeFirst();
    await record({ action: "group.removeMember", target: { type: "group", id: groupId, name: group.name }, changes: { userId, wasMember: Number(res.numDeletedRows) > 0 } });
  });
}

/** Both what is added and what is taken away must be within the caller's own rights. */
export async function savePermissions(deps: Deps, caller: Caller, groupId: string, permissions: GlobalPermission[]) {
  const unique = [...new Set(permissions)];
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await lockIdentity(trx);
    const group = await requireControlsGroup(trx, caller, groupId, "change", unique);
    if (group.permissions.includes("admin") && !unique.includes("admin")) {
      await requireAdminRemains(trx, { group: groupId }, `Removing "admin" from the group "${group.name}"`);
    }
    await trx.deleteFrom("groupPermissions").where("groupId", "=", groupId).execute();
    if (unique.length) await trx.insertInto("groupPermissions").values(unique.map((permission) => ({ groupId, permission }))).execute();
    await record({ action: "group.savePermissions", target: { type: "group", id: groupId, name: group.name }, changes: { before: [...group.permissions].sort(), after: [...unique].sort() } });
  });
}
