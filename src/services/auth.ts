import crypto from "node:crypto";
import { conflict, DomainError, fieldError, notFound } from "./errors.js";
import { expandPermissions, type GlobalPermission } from "../auth/permissions.js";
import { dummyHash, hashPassword, newId, newToken, tokenHash, verifyPassword } from "../auth/tokens.js";
import { EVERYONE_GROUP_ID } from "../db/schema.js";
import { type Db } from "../db/index.js";
import { prepared } from "../db/prepared.js";
import { anonymous, type Caller, type Deps } from "./deps.js";
import { requirePasswordPolicy } from "./users.js";
import { auditedTransaction, recordAudit, userActor, type Actor } from "./audit.js";

export const SESSION_TTL_MS = 30 * 24 * 3600_000;
export const DEFAULT_SESSION_IDLE_MS = 7 * 24 * 3600_000;
const API_KEY_TOUCH_MS = 60_000;
/** A session's last-seen time is written at most this often: a busy browser does not turn reads into writes. */
export const SESSION_TOUCH_MS = 60_000;

/** The permissions of every group the credential's user is in (incl. everyone), joined to each credential row. */
const groupPermissionsOf = (userRef: "s.userId" | "k.userId") => (j: any) =>
  j.on((eb: any) => eb.or([eb("p.groupId", "=", EVERYONE_GROUP_ID), eb("p.groupId", "in", eb.selectFrom("groupMembers as gm").select("gm.groupId").whereRef("gm.userId", "=", userRef))]));

// Every request runs one of these two: prepared once (src/db/prepared.ts) instead of built and compiled anew.
const sessionCallerQuery = prepared(["hash", "now", "idleSince"], (db: Db, p) =>
  db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.userId")
    .leftJoin("groupPermissions as p", groupPermissionsOf("s.userId"))
    .select(["u.id", "u.username", "p.permission", (eb) => eb.fn.coalesce("s.lastSeenAt", "s.createdAt").as("touchedAt")])
    .where("s.tokenHash", "=", p.hash)
    .where("s.expiresAt", ">", p.now)
    .where((eb) => eb(eb.fn.coalesce("s.lastSeenAt", "s.createdAt"), ">", p.idleSince)),
);
const apiKeyCallerQuery = prepared(["hash", "now"], (db: Db, p) =>
  db
    .selectFrom("apiKeys as k")
    .innerJoin("users as u", "u.id", "k.userId")
    .leftJoin("groupPermissions as p", groupPermissionsOf("k.userId"))
    .select(["u.id", "u.username", "p.permission", "k.lastUsedAt as touchedAt", "k.id as keyId", "k.name as keyName"])
    .where("k.tokenHash", "=", p.hash)
    .where((eb) => eb.or([eb("k.expiresAt", "is", null), eb("k.expiresAt", ">", p.now)])),
);

/**
 * Resolves a session token or API key into a caller with its expanded global permissions, in one query:
 * the credential row joined to its user and to the permissions of every group the user is in (incl. everyone).
 * A session ends at its absolute expiry or after `sessionIdleMs` without a request; an API key at its
 * optional `expiresAt`. Either way the caller is anonymous (401 on protected procedures).
 */
export async function resolveCaller(
  db: Db,
  creds: { sessionToken?: string; apiKey?: string },
  opts: { sessionIdleMs?: number; ip?: string } = {},
): Promise<Caller> {
  const via = creds.apiKey ? "apiKey" : creds.sessionToken ? "session" : null;
  const token = creds.apiKey ?? creds.sessionToken;
  const nobody = { ...anonymous, actor: userActor(null, opts.ip) };
  if (!via || !token) return nobody;
  const hash = tokenHash(token);
  const now = Date.now();
  const idleMs = opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  type Row = { id: string; username: string; permission: string | null; touched_at: number | string | null; key_id?: string; key_name?: string };
  const rows =
    via === "session"
      ? await sessionCallerQuery<Row>(db, { hash, now, idleSince: now - idleMs })
      : await apiKeyCallerQuery<Row>(db, { hash, now });
  const first = rows[0];
  if (!first) return nobody;
  const touched = first.touched_at == null ? null : Number(first.touched_at);
  if (via === "apiKey" && first.key_id && (touched == null || now - touched > API_KEY_TOUCH_MS)) {
    // Throttled so that a busy script does not turn every read into a write.
    await db.updateTable("apiKeys").set({ lastUsedAt: now }).where("id", "=", first.key_id).execute();
  }
  if (via === "session" && (touched == null || now - touched > SESSION_TOUCH_MS)) {
    await db.updateTable("sessions").set({ lastSeenAt: now }).where("tokenHash", "=", hash).execute();
    // Ended sessions are swept here, where a write happens anyway (at most once a minute per session).
    await db
      .deleteFrom("sessions")
      .where((eb) => eb.or([eb("expiresAt", "<", now), eb(eb.fn.coalesce("lastSeenAt", "createdAt"), "<", now - idleMs)]))
      .execute();
  }
  return {
    user: { id: first.id, username: first.username },
    permissions: expandPermissions(rows.map((r) => r.permission).filter((p): p is string => p !== null)),
    via,
    actor: userActor({ id: first.id, username: first.username }, opts.ip, first.key_name),
  };
}

export async function login(deps: Deps, input: { username: string; password: string }, ip: string) {
  // The attempt is counted before the password is checked (src/auth/rate-limit.ts): concurrent or batched
  // attempts cannot get more passwords evaluated than the limit allows.
  const slot = await deps.loginLimiter.reserve(ip, input.username);
  if (!slot.attempt) {
    throw new DomainError("TOO_MANY_REQUESTS", `Too many failed logins. Try again in ${Math.ceil(slot.retryAfterMs / 60_000)} minute(s).`);
  }
  const user = await deps.db.selectFrom("users").select(["id", "username", "passwordHash"]).where("username", "=", input.username).executeTakeFirst();
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
  if (!user || !ok) {
    deps.log.info({ ip }, "failed login");
    // The actor is the username that was tried (never the password).
    await recordAudit(deps.db, { type: "user", ...(user ? { id: user.id } : {}), name: input.username, ip }, { action: "auth.loginFailed", outcome: "error" });
    throw new DomainError("UNAUTHORIZED", "Wrong username or password");
  }
  await deps.loginLimiter.succeeded(slot.attempt);
  const token = newToken();
  const now = Date.now();
  await auditedTransaction(deps.db, userActor(user, ip), async (trx, record) => {
    await trx.insertInto("sessions").values({ tokenHash: tokenHash(token), userId: user.id, createdAt: now, expiresAt: now + SESSION_TTL_MS }).execute();
    await record({ action: "auth.login", target: { type: "session", id: sessionId(tokenHash(token)) } });
  });
  // Expired sessions are swept here, where a write happens anyway.
  await deps.db.deleteFrom("sessions").where("expiresAt", "<", now).execute();
  return { token, user: { id: user.id, username: user.username } };
}

/** Without a live session nothing changes and nothing is recorded. */
export async function logout(deps: Deps, caller: Caller, sessionToken: string | undefined) {
  if (!sessionToken) return;
  const hash = tokenHash(sessionToken);
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    const res = await trx.deleteFrom("sessions").where("tokenHash", "=", hash).executeTakeFirst();
    if (Number(res.numDeletedRows) > 0) await record({ action: "auth.logout", target: { type: "session", id: sessionId(hash) } });
  });
}

export function sessionView(caller: Caller) {
  if (!caller.user) return null;
  return { user: { ...caller.user, permissions: [...caller.permissions].sort() as GlobalPermission[] } };
}

export async function createApiKey(deps: Deps, caller: Caller, input: { name: string; expiresAt?: Date | null }) {
  const expiresAt = input.expiresAt ? input.expiresAt.getTime() : null;
  if (expiresAt !== null && expiresAt <= Date.now()) throw fieldError("BAD_REQUEST", "expiresAt", "must be in the future");
  const id = newId();
  const token = `pb_${newToken()}`;
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
      .insertInto("apiKeys")
      .values({ id, userId: caller.user!.id, name: input.name, tokenHash: tokenHash(token), createdAt: Date.now(), lastUsedAt: null, expiresAt })
      .execute();
    await record({ action: "auth.createApiKey", target: { type: "apiKey", id, name: input.name }, changes: { name: input.name, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() } });
  });
  return { id, token };
}

const dateOrNull = (ms: number | null | undefined) => (ms == null ? null : new Date(Number(ms)));

export async function listApiKeys(deps: Deps, caller: Caller) {
  const rows = await deps.db
    .selectFrom("apiKeys")
    .select(["id", "name", "createdAt", "lastUsedAt", "expiresAt"])
    .where("userId", "=", caller.user!.id)
    .orderBy("createdAt")
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: new Date(Number(r.createdAt)), lastUsedAt: dateOrNull(r.lastUsedAt), expiresAt: dateOrNull(r.expiresAt) }));
}

export async function revokeApiKey(deps: Deps, caller: Caller, id: string) {
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    const key = await trx.selectFrom("apiKeys").select("name").where("id", "=", id).where("userId", "=", caller.user!.id).executeTakeFirst();
    if (!key) throw notFound("API key not found");
    await trx.deleteFrom("apiKeys").where("id", "=", id).execute();
    await record({ action: "auth.revokeApiKey", target: { type: "apiKey", id, name: key.name } });
  });
}

/**
 * The public id of a session: derived from the stored token hash by another hash, so a listing can name a
 * session without exposing its token or the token's hash (which is what the database looks sessions up by).
 */
export const sessionId = (hash: string) => crypto.createHash("sha256").update("patchbay-session-id\0").update(hash).digest("base64url").slice(0, 22);

/** The caller's live sessions (not ended by expiry or idleness), newest activity first; `current` marks this request's. */
export async function listSessions(deps: Deps, caller: Caller, currentToken: string | undefined) {
  const now = Date.now();
  const idleMs = deps.config.sessionIdleDays * 24 * 3600_000;
  const rows = await deps.db
    .selectFrom("sessions")
    .select(["tokenHash", "createdAt", "expiresAt", "lastSeenAt"])
    .where("userId", "=", caller.user!.id)
    .where("expiresAt", ">", now)
    .where((eb) => eb(eb.fn.coalesce("lastSeenAt", "createdAt"), ">", now - idleMs))
    .execute();
  const current = currentToken ? tokenHash(currentToken) : undefined;
  return rows
    .map((r) => {
      const lastSeen = Number(r.lastSeenAt ?? r.createdAt);
      return {
        id: sessionId(r.tokenHash),
        createdAt: new Date(Number(r.createdAt)),
        lastSeenAt: new Date(lastSeen),
        // Whichever comes first: the absolute end or the idle timeout (if it stays unused from now on).
        expiresAt: new Date(Math.min(Number(r.expiresAt), lastSeen + idleMs)),
        current: r.tokenHash === current,
      };
    })
    .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.id < b.id ? -1 : 1));
}

/** Ends one of the caller's sessions (another device, or this one); returns whether it was the current one. */
export async function revokeSession(deps: Deps, caller: Caller, id: string, currentToken: string | undefined): Promise<{ current: boolean }> {
  const own = await deps.db.selectFrom("sessions").select("tokenHash").where("userId", "=", caller.user!.id).execute();
  const match = own.find((r) => sessionId(r.tokenHash) === id);
  if (!match) throw notFound("Session not found");
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx.deleteFrom("sessions").where("tokenHash", "=", match.tokenHash).where("userId", "=", caller.user!.id).execute();
    await record({ action: "auth.revokeSession", target: { type: "session", id } });
  });
  return { current: currentToken !== undefined && tokenHash(currentToken) === match.tokenHash };
}

/**
 * Creates a user who is a member of a new or existing admin group holding `admin`. `by`: the operator (CLI,
 * environment at start), or — for onboarding with the setup token — only the client address, and the new
 * admin is the actor.
 */
export async function createFirstAdmin(deps: Deps, username: string, password: string, by: Actor | { ip?: string }) {
  requirePasswordPolicy("password", password, username);
  const passwordHash = await hashPassword(password);
  const userId = newId();
  const actor = "type" in by ? by : userActor({ id: userId, username }, by.ip);
  await auditedTransaction(deps.db, actor, async (trx, record) => {
    const count = await trx.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    if (Number(count.n) > 0) throw conflict("The first admin already exists");
    let group = await trx.selectFrom("userGroups").select("id").where("name", "=", "admins").executeTakeFirst();
    if (!group) {
      group = { id: newId() };
      await trx.insertInto("userGroups").values({ id: group.id, name: "admins", createdAt: Date.now() }).execute();
      await trx.insertInto("groupPermissions").values({ groupId: group.id, permission: "admin" }).execute();
    }
    await trx.insertInto("users").values({ id: userId, username, email: null, name: null, image: null, passwordHash, createdAt: Date.now() }).execute();
    await trx.insertInto("groupMembers").values({ groupId: group.id, userId }).execute();
    await record({ action: "onboarding.createAdmin", target: { type: "user", id: userId, name: username }, changes: { username, group: "admins" } });
  });
  return { id: userId };
}

export async function hasUsers(db: Db): Promise<boolean> {
  return Boolean(await db.selectFrom("users").select("id").limit(1).executeTakeFirst());
}

