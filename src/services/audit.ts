import crypto from "node:crypto";
import { badRequest } from "./errors.js";
import type { Transaction } from "kysely";
import { transaction, type Db } from "../db/index.js";
import type { AuditLogTable, Database } from "../db/schema.js";
import type { Actor, ActorType, Deps } from "./deps.js";

export type { Actor, ActorType };

/**
 * The audit log (README "Audit log"): who changed or controlled what, when and from where. Every entry is
 * written inside the transaction of the change it records (`auditedTransaction`), so an entry exists exactly
 * when its change committed. Entries never hold a secret value: callers put only names, ids, kinds and levels
 * into `changes`.
 */

export interface AuditEvent {
  /** Dotted, procedure-like: integration.create, downloads.pause, auth.loginFailed, … */
  action: string;
  target?: { type: string; id: string; name?: string | null };
  /** The integration this concerns (its history filter); kept after the integration is deleted. */
  integrationId?: string;
  changes?: Record<string, unknown>;
  outcome?: "ok" | "error";
}

export interface AuditEntry {
  id: string;
  at: Date;
  actor: { type: ActorType; id?: string; name: string };
  action: string;
  target?: { type: string; id: string; name?: string };
  ip?: string;
  changes?: Record<string, unknown>;
  outcome: "ok" | "error";
  integrationId?: string;
}

type Trx = Transaction<Database>;
export type Recorder = (event: AuditEvent) => Promise<void>;

/** The actor of a user signed in by session or API key, or of an anonymous request (failed logins). */
export function userActor(user: { id: string; username: string } | null, ip?: string, apiKeyName?: string): Actor {
  if (!user) return { type: "user", name: "anonymous", ...(ip ? { ip } : {}) };
  return { type: apiKeyName ? "apiKey" : "user", id: user.id, name: apiKeyName ?? user.username, ...(ip ? { ip } : {}) };
}

/** The operator on the host (CLI) or the provisioning file applied at start. */
export function operatorActor(type: "operator" | "provisioning", name: string): Actor {
  return { type, name };
}

// Ids sort by time, then by a per-process sequence: entries written in the same millisecond keep their order.
let seq = 0;
function entryId(at: number): string {
  seq = (seq + 1) % 0x10000;
  return at.toString(16).padStart(12, "0") + seq.toString(16).padStart(4, "0") + crypto.randomBytes(6).toString("hex");
}

const cut = (s: string | undefined | null, n: number) => (s == null ? null : s.length > n ? s.slice(0, n) : s);

async function insert(trx: Trx | Db, actor: Actor, e: AuditEvent): Promise<AuditEntry> {
  const at = Date.now();
  const row: AuditLogTable = {
    id: entryId(at),
    at,
    actorType: actor.type,
    actorId: actor.id ?? null,
    actorName: cut(actor.name, 255)!,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: cut(e.target?.id, 255),
    targetName: cut(e.target?.name, 255),
    integrationId: e.integrationId ?? null,
    ip: cut(actor.ip, 64),
    changes: e.changes ? JSON.stringify(e.changes) : null,
    outcome: e.outcome ?? "ok",
  };
  await trx.insertInto("auditLog").values(row).execute();
  return toEntry(row);
}

/** `db` says which database the entry was stored in (several instances may share one process in tests). */
type Listener = (entry: AuditEntry, db: Db) => void | Promise<void>;
const listeners = new Set<Listener>();

/**
 * Called with each stored entry after its transaction committed (the `audit` notification event). A listener
 * that throws or rejects never affects the request. Returns the function that removes the listener.
 */
export function onAuditRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(entries: AuditEntry[], db: Db) {
  for (const entry of entries) {
    for (const l of listeners) {
      try {
        const r = l(entry, db);
        if (r && typeof (r as Promise<void>).catch === "function") (r as Promise<void>).catch(() => undefined);
      } catch {
        // A listener's failure is its own (it logs if it wants to).
      }
    }
  }
}

/**
 * Runs `fn` in one transaction; what it records goes into the same transaction, and listeners hear of it only
 * after the commit. A deadlock retry (db/index.ts `transaction`) starts the list of entries afresh.
 */
export async function auditedTransaction<T>(db: Db, actor: Actor, fn: (trx: Trx, record: Recorder) => Promise<T>): Promise<T> {
  let entries: AuditEntry[] = [];
  const result = await transaction(db, async (trx) => {
    entries = [];
    return fn(trx, async (e) => {
      entries.push(await insert(trx, actor, e));
    });
  });
  emit(entries, db);
  return result;
}

/** An entry that records no write of its own (a failed login, a capability action, a connection test). */
export function recordAudit(db: Db, actor: Actor, event: AuditEvent): Promise<void> {
  return auditedTransaction(db, actor, (_trx, record) => record(event));
}

/** A stored row; `at` may come back as a string from drivers that return BIGINT as text. */
type Row = Omit<AuditLogTable, "at"> & { at: number | string };

function toEntry(r: Row): AuditEntry {
  return {
    id: r.id,
    at: new Date(Number(r.at)),
    actor: { type: r.actorType as ActorType, ...(r.actorId ? { id: r.actorId } : {}), name: r.actorName },
    action: r.action,
    ...(r.targetType && r.targetId ? { target: { type: r.targetType, id: r.targetId, ...(r.targetName ? { name: r.targetName } : {}) } } : {}),
    ...(r.ip ? { ip: r.ip } : {}),
    ...(r.changes ? { changes: JSON.parse(r.changes) as Record<string, unknown> } : {}),
    outcome: r.outcome === "error" ? "error" : "ok",
    ...(r.integrationId ? { integrationId: r.integrationId } : {}),
  };
}

export interface ListInput {
  limit?: number;
  cursor?: string;
  actorId?: string;
  integrationId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/** The cursor is the (at, id) of the last item of the page, opaque to clients. */
const encodeCursor = (e: { at: number; id: string }) => Buffer.from(`${e.at}:${e.id}`).toString("base64url");
function decodeCursor(c: string): { at: number; id: string } {
  const m = /^(\d{1,16}):([0-9a-f]{1,64})$/.exec(Buffer.from(c, "base64url").toString());
  if (!m) throw badRequest("cursor: not a cursor from a previous page");
  return { at: Number(m[1]), id: m[2]! };
}

/** Newest first; filters combine with AND; `to` is inclusive. */
export async function listAudit(db: Db, input: ListInput): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const limit = input.limit ?? 50;
  let q = db.selectFrom("auditLog").selectAll();
  if (input.actorId) q = q.where("actorId", "=", input.actorId);
  if (input.integrationId) q = q.where("integrationId", "=", input.integrationId);
  if (input.action) q = q.where("action", "=", input.action);
  if (input.from) q = q.where("at", ">=", input.from.getTime());
  if (input.to) q = q.where("at", "<=", input.to.getTime());
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    q = q.where((eb) => eb.or([eb("at", "<", c.at), eb.and([eb("at", "=", c.at), eb("id", "<", c.id)])]));
  }
  const rows = (await q.orderBy("at", "desc").orderBy("id", "desc").limit(limit + 1).execute()) as Row[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toEntry), nextCursor: rows.length > limit && last ? encodeCursor({ at: Number(last.at), id: last.id }) : null };
}

/** Deletes entries older than the retention; returns how many. */
export async function pruneAudit(db: Db, retentionDays: number, now = Date.now()): Promise<number> {
  const res = await db.deleteFrom("auditLog").where("at", "<", now - retentionDays * 86_400_000).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Prunes at start and then every hour until the returned stop function runs (server close). */
export function startAuditPruning(deps: Deps, everyMs = 3_600_000): () => void {
  const run = () =>
    pruneAudit(deps.db, deps.config.auditRetentionDays)
      .then((n) => n && deps.log.info({ deleted: n, retentionDays: deps.config.auditRetentionDays }, "audit log pruned"))
      .catch((err) => deps.log.warn({ err }, "audit log pruning failed"));
  void run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Every entry at or after `since`, oldest first, in pages (the CLI export streams these as JSON lines). */
export async function* exportAudit(db: Db, since?: Date, pageSize = 500): AsyncGenerator<AuditEntry> {
  let after: { at: number; id: string } | undefined;
  for (;;) {
    let q = db.selectFrom("auditLog").selectAll();
    if (since) q = q.where("at", ">=", since.getTime());
    if (after) {
      const a = after;
      q = q.where((eb) => eb.or([eb("at", ">", a.at), eb.and([eb("at", "=", a.at), eb("id", ">", a.id)])]));
    }
    const rows = (await q.orderBy("at", "asc").orderBy("id", "asc").limit(pageSize).execute()) as Row[];
    for (const r of rows) yield toEntry(r);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { at: Number(last.at), id: last.id };
  }
}
