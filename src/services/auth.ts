import { TRPCError } from "@trpc/server";
import { expandPermissions, type GlobalPermission } from "../auth/permissions.js";
import { dummyHash, hashPassword, newId, newToken, tokenHash, verifyPassword } from "../auth/tokens.js";
import { EVERYONE_GROUP_ID } from "../db/schema.js";
import { transaction, type Db } from "../db/index.js";
import { anonymous, type Caller, type Deps } from "./deps.js";
import { requirePasswordPolicy } from "./users.js";

export const SESSION_TTL_MS = 30 * 24 * 3600_000;
const API_KEY_TOUCH_MS = 60_000;

/**
 * Resolves a session token or API key into a caller with its expanded global permissions, in one query:
 * the credential row joined to its user and to the permissions of every group the user is in (incl. everyone).
 */
export async function resolveCaller(db: Db, creds: { sessionToken?: string; apiKey?: string }): Promise<Caller> {
  const via = creds.apiKey ? "apiKey" : creds.sessionToken ? "session" : null;
  const token = creds.apiKey ?? creds.sessionToken;
  if (!via || !token) return anonymous;
  const hash = tokenHash(token);
  const now = Date.now();
  let rows: { id: string; username: string; permission: string | null; lastUsedAt?: number | null; keyId?: string }[];
  if (via === "session") {
    rows = await db
      .selectFrom("sessions as s")
      .innerJoin("users as u", "u.id", "s.userId")
      .leftJoin("groupPermissions as p", (j) =>
        j.on((eb) =>
          eb.or([
            eb("p.groupId", "=", EVERYONE_GROUP_ID),
            eb("p.groupId", "in", eb.selectFrom("groupMembers as gm").select("gm.groupId").whereRef("gm.userId", "=", "s.userId")),
          ]),
        ),
      )
      .select(["u.id", "u.username", "p.permission"])
      .where("s.tokenHash", "=", hash)
      .where("s.expiresAt", ">", now)
      .execute();
  } else {
    rows = await db
      .selectFrom("apiKeys as k")
      .innerJoin("users as u", "u.id", "k.userId")
      .leftJoin("groupPermissions as p", (j) =>
        j.on((eb) =>
          eb.or([
            eb("p.groupId", "=", EVERYONE_GROUP_ID),
            eb("p.groupId", "in", eb.selectFrom("groupMembers as gm").select("gm.groupId").whereRef("gm.userId", "=", "k.userId")),
          ]),
        ),
      )
      .select(["u.id", "u.username", "p.permission", "k.lastUsedAt", "k.id as keyId"])
      .where("k.tokenHash", "=", hash)
      .execute();
  }
  const first = rows[0];
  if (!first) return anonymous;
  if (via === "apiKey" && first.keyId && (first.lastUsedAt == null || now - Number(first.lastUsedAt) > API_KEY_TOUCH_MS)) {
    // Throttled so that a busy script does not turn every read into a write.
    await db.updateTable("apiKeys").set({ lastUsedAt: now }).where("id", "=", first.keyId).execute();
  }
  return {
    user: { id: first.id, username: first.username },
    permissions: expandPermissions(rows.map((r) => r.permission).filter((p): p is string => p !== null)),
    via,
  };
}

export async function login(deps: Deps, input: { username: string; password: string }, ip: string) {
  const wait = await deps.loginLimiter.retryAfter(ip, input.username);
  if (wait > 0) {
    throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: `Too many failed logins. Try again in ${Math.ceil(wait / 60_000)} minute(s).` });
  }
  const user = await deps.db.selectFrom("users").select(["id", "username", "passwordHash"]).where("username", "=", input.username).executeTakeFirst();
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
  if (!user || !ok) {
    await deps.loginLimiter.fail(ip, input.username);
    deps.log.info({ ip }, "failed login");
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Wrong username or password" });
  }
  await deps.loginLimiter.succeed(ip, input.username);
  const token = newToken();
  const now = Date.now();
  await deps.db.insertInto("sessions").values({ tokenHash: tokenHash(token), userId: user.id, createdAt: now, expiresAt: now + SESSION_TTL_MS }).execute();
  // Expired sessions are swept here, where a write happens anyway.
  await deps.db.deleteFrom("sessions").where("expiresAt", "<", now).execute();
  return { token, user: { id: user.id, username: user.username } };
}

export async function logout(deps: Deps, sessionToken: string | undefined) {
  if (sessionToken) await deps.db.deleteFrom("sessions").where("tokenHash", "=", tokenHash(sessionToken)).execute();
}

export function sessionView(caller: Caller) {
  if (!caller.user) return null;
  return { user: { ...caller.user, permissions: [...caller.permissions].sort() as GlobalPermission[] } };
}

export async function createApiKey(deps: Deps, caller: Caller, name: string) {
  const id = newId();
  const token = `pb_${newToken()}`;
  await deps.db.insertInto("apiKeys").values({ id, userId: caller.user!.id, name, tokenHash: tokenHash(token), createdAt: Date.now(), lastUsedAt: null }).execute();
  return { id, token };
}

export async function listApiKeys(deps: Deps, caller: Caller) {
  const rows = await deps.db
    .selectFrom("apiKeys")
    .select(["id", "name", "createdAt", "lastUsedAt"])
    .where("userId", "=", caller.user!.id)
    .orderBy("createdAt")
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: new Date(Number(r.createdAt)), lastUsedAt: r.lastUsedAt == null ? null : new Date(Number(r.lastUsedAt)) }));
}

export async function revokeApiKey(deps: Deps, caller: Caller, id: string) {
  const res = await deps.db.deleteFrom("apiKeys").where("id", "=", id).where("userId", "=", caller.user!.id).executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new TRPCError({ code: "NOT_FOUND", message: "API key not found" });
}

/** Creates a user who is a member of a new or existing admin group holding `admin`. */
export async function createFirstAdmin(deps: Deps, username: string, password: string) {
  requirePasswordPolicy("password", password, username);
  const passwordHash = await hashPassword(password);
  const userId = newId();
  await transaction(deps.db, async (trx) => {
    const count = await trx.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    if (Number(count.n) > 0) throw new TRPCError({ code: "CONFLICT", message: "The first admin already exists" });
    let group = await trx.selectFrom("userGroups").select("id").where("name", "=", "admins").executeTakeFirst();
    if (!group) {
      group = { id: newId() };
      await trx.insertInto("userGroups").values({ id: group.id, name: "admins", createdAt: Date.now() }).execute();
      await trx.insertInto("groupPermissions").values({ groupId: group.id, permission: "admin" }).execute();
    }
    await trx.insertInto("users").values({ id: userId, username, email: null, name: null, image: null, passwordHash, createdAt: Date.now() }).execute();
    await trx.insertInto("groupMembers").values({ groupId: group.id, userId }).execute();
  });
  return { id: userId };
}

export async function hasUsers(db: Db): Promise<boolean> {
  return Boolean(await db.selectFrom("users").select("id").limit(1).executeTakeFirst());
}

