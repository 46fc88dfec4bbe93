import { badRequest, forbidden } from "./errors.js";
import { LEVELS } from "../auth/permissions.js";
import { newId } from "../auth/tokens.js";
import { constraintKind, transaction, type Db } from "../db/index.js";
import { prepared } from "../db/prepared.js";
import { fetchPeerCertificate } from "../engine/http.js";
import { runConnectionTest } from "../engine/runner.js";
import { getKind } from "../kinds/index.js";
import { ensureFreshTrust } from "./certificates.js";
import { integrationNotFound, requireIntegration } from "./access.js";
import type { Caller, Deps } from "./deps.js";
import { notifyEvent, type NotificationEvent } from "./notifications.js";
import { recordAudit } from "./audit.js";
import { loadSecrets, toSecrets } from "./secrets.js";

/**
 * The health monitor (README, Health and notifications): the current health of every integration, a compact
 * history, and the background scheduler that re-runs each integration's connection test (the same runner as
 * integration.testConnection). Manual tests and capability reads feed it too.
 *
 * Several instances on one database share the work through `health_leases`: a row per integration holds when
 * its next check is due, and an instance claims a check by moving that time one interval ahead with a
 * conditional UPDATE (`… where due_at <= now`). Only one UPDATE can match (a row lock on PostgreSQL/InnoDB,
 * one writer on SQLite), so each integration is checked by one instance per interval.
 */

export type HealthStatus = "ok" | "failing" | "unknown";
export interface Health {
  status: HealthStatus;
  checkedAt: Date | null;
  latencyMs?: number;
  version?: string;
  code?: string;
  message?: string;
  warning?: string;
}

/** An HTTPS certificate that ends within this many days turns the health into `ok` with a warning. */
export const CERT_WARNING_DAYS = 14;
/** State changes and hourly aggregates older than this are pruned. */
const HISTORY_DAYS = 30;
/** "integration.failing" goes out after this many consecutive failed checks. */
const FAILURES_TO_NOTIFY = 2;

type HealthRow = {
  integrationId: string;
  status: string;
  checkedAt: number;
  latencyMs: number | null;
  version: string | null;
  code: string | null;
  message: string | null;
  warning: string | null;
};

export function toHealth(row: HealthRow | undefined): Health {
  if (!row) return { status: "unknown", checkedAt: null };
  const h: Health = { status: row.status as HealthStatus, checkedAt: new Date(Number(row.checkedAt)) };
  if (row.latencyMs !== null) h.latencyMs = Number(row.latencyMs);
  if (row.version) h.version = row.version;
  if (row.code) h.code = row.code;
  if (row.message) h.message = row.message;
  if (row.warning) h.warning = row.warning;
  return h;
}

export const HEALTH_COLUMNS = ["integrationId", "status", "checkedAt", "latencyMs", "version", "code", "message", "warning"] as const;

/**
 * The health of the given integrations, by id: one primary-key lookup per chunk of ids, each chunk a
 * statement prepared once (src/db/prepared.ts) and padded with "" (no integration has that id), so a list
 * costs what it returns without compiling a new statement for every length. Never checked: `unknown`.
 */
const CHUNKS = [8, 32, 128, 512] as const;
const healthQueries = new Map(
  CHUNKS.map((size) => {
    const names = Array.from({ length: size }, (_, i) => `id${i}`);
    return [size, { names, run: prepared(names, (db: Db, p) => db.selectFrom("integrationHealth").select(HEALTH_COLUMNS).where("integrationId", "in", names.map((n) => p[n]!))) }];
  }),
);
/** A health row as prepared queries return it (snake_case, BIGINTs maybe strings). */
export type RawHealthRow = { integration_id: string; status: string; checked_at: number | string; latency_ms: number | string | null; version: string | null; code: string | null; message: string | null; warning: string | null };

export function healthOfRow(r: RawHealthRow): Health {
  return toHealth({ integrationId: r.integration_id, status: r.status, checkedAt: Number(r.checked_at), latencyMs: r.latency_ms === null ? null : Number(r.latency_ms), version: r.version, code: r.code, message: r.message, warning: r.warning });
}

export async function healthByIds(deps: Deps, ids: readonly string[]): Promise<Map<string, Health>> {
  const out = new Map<string, Health>();
  for (let i = 0; i < ids.length; ) {
    const size = CHUNKS.find((c) => c >= ids.length - i) ?? 512;
    const { run } = healthQueries.get(size)!;
    const values = Array.from({ length: size }, (_, k) => ids[i + k] ?? "");
    for (const r of await run<RawHealthRow>(deps.db, values)) out.set(r.integration_id, healthOfRow(r));
    i += size;
  }
  return out;
}

/** `integration.health`: the current health and the state changes (plus hourly aggregates) in a range. */
export async function healthHistory(deps: Deps, integrationId: string, from: Date, to: Date) {
  const [current, events, hourly] = await Promise.all([
    deps.db.selectFrom("integrationHealth").select(HEALTH_COLUMNS).where("integrationId", "=", integrationId).executeTakeFirst(),
    deps.db
      .selectFrom("healthEvents")
      .select(["at", "status", "code"])
      .where("integrationId", "=", integrationId)
      .where("at", ">=", from.getTime())
      .where("at", "<=", to.getTime())
      .orderBy("at")
      .orderBy("id")
      .limit(1000)
      .execute(),
    deps.db
      .selectFrom("healthHourly")
      .select(["hour", "checks", "failures", "latencySum"])
      .where("integrationId", "=", integrationId)
      .where("hour", ">=", from.getTime() - 3_600_000)
      .where("hour", "<=", to.getTime())
      .orderBy("hour")
      .limit(24 * HISTORY_DAYS)
      .execute(),
  ]);
  return {
    current: toHealth(current),
    history: events.map((e) => ({ at: new Date(Number(e.at)), status: e.status as HealthStatus, ...(e.code ? { code: e.code } : {}) })),
    hourly: hourly.map((h) => {
      const checks = Number(h.checks);
      const ok = checks - Number(h.failures);
      return { hour: new Date(Number(h.hour)), checks, failures: Number(h.failures), ...(ok > 0 ? { avgLatencyMs: Math.round(Number(h.latencySum) / ok) } : {}) };
    }),
  };
}

/** `integration.health({id, from?, to?})`: needs use access. */
export async function integrationHealth(deps: Deps, caller: Caller, input: { id: string; from?: Date; to?: Date }) {
  await requireIntegration(deps.db, caller, input.id, LEVELS.use);
  const to = input.to ?? new Date();
  const from = input.from ?? new Date(to.getTime() - 7 * 86_400_000);
  if (from > to) throw badRequest("from: must not be after to");
  return healthHistory(deps, input.id, from, to);
}

/** `integration.checkNow({id})`: needs interact access; answers the new health. */
export async function checkNow(deps: Deps, caller: Caller, id: string): Promise<Health> {
  const row = await requireIntegration(deps.db, caller, id, LEVELS.use);
  if (row.level < LEVELS.interact) throw forbidden("You may use this integration but not run its checks (needs interact access).");
  const h = await checkIntegration(deps, id);
  if (!h) throw integrationNotFound();
  await recordAudit(deps.db, caller.actor, {
    action: "integration.checkNow",
    target: { type: "integration", id, name: row.name },
    integrationId: id,
    changes: { status: h.status, ...(h.code ? { code: h.code } : {}) },
    outcome: h.status === "failing" ? "error" : "ok",
  });
  return h;
}

// ---- recording ----

export interface CheckResult {
  ok: boolean;
  latencyMs?: number;
  version?: string;
  code?: string;
  message?: string;
  warning?: string;
  /** validTo of an expiring certificate: it is announced once per certificate. */
  certValidTo?: string;
}

interface IntegrationRef {
  id: string;
  name: string;
  kind: string;
}

/** Last status+code this instance recorded per integration: capability reads write only on a change. */
const known = new WeakMap<Deps, Map<string, string>>();
function knownOf(deps: Deps): Map<string, string> {
  let m = known.get(deps);
  if (!m) known.set(deps, (m = new Map()));
  return m;
}

/**
 * Stores one outcome: the current row, a state change when status or code changed, the hourly aggregate
 * (checks only, `aggregate`), in one transaction with the row locked, so two instances recording at once
 * count failures right. Notifications go out after the commit.
 */
export async function recordHealth(deps: Deps, integration: IntegrationRef, result: CheckResult, aggregate = true): Promise<Health> {
  const now = Date.now();
  const status: HealthStatus = result.ok ? "ok" : "failing";
  const write = () =>
    transaction(deps.db, async (trx) => {
      let q = trx.selectFrom("integrationHealth").selectAll().where("integrationId", "=", integration.id);
      if (deps.dialect !== "sqlite") q = q.forUpdate();
      const prev = await q.executeTakeFirst();
      const events: NotificationEvent[] = [];
      const failures = result.ok ? 0 : Number(prev?.failures ?? 0) + 1;
      let notified = Number(prev?.notified ?? 0);
      if (!result.ok && failures >= FAILURES_TO_NOTIFY && !notified) {
        events.push("integration.failing");
        notified = 1;
      }
      if (result.ok && notified) {
        events.push("integration.recovered");
        notified = 0;
      }
      let certNotified = prev?.certNotified ?? null;
      if (result.ok && result.certValidTo && certNotified !== result.certValidTo) {
        events.push("certificate.expiring");
        certNotified = result.certValidTo;
      }
      const row = {
        status,
        checkedAt: now,
        latencyMs: result.latencyMs ?? null,
        // A capability read or a failed test knows no version: keep the one the last test saw.
        version: (result.version?.slice(0, 128) ?? prev?.version) ?? null,
        code: result.ok ? null : (result.code ?? "UNKNOWN"),
        message: result.ok ? null : (result.message ?? "").slice(0, 1024),
        warning: result.ok ? (result.warning?.slice(0, 512) ?? null) : null,
        failures,
        notified,
        certNotified,
      };
      if (prev) await trx.updateTable("integrationHealth").set(row).where("integrationId", "=", integration.id).execute();
      else await trx.insertInto("integrationHealth").values({ integrationId: integration.id, ...row }).execute();
      if (!prev || prev.status !== row.status || (prev.code ?? null) !== row.code) {
        await trx.insertInto("healthEvents").values({ id: newId(), integrationId: integration.id, at: now, status, code: row.code }).execute();
      }
      if (aggregate) await addHourly(trx, integration.id, now, result);
      return { health: toHealth({ integrationId: integration.id, ...row }), events };
    });
  let written: Awaited<ReturnType<typeof write>>;
  try {
    written = await write().catch((e: unknown) => {
      // Two first recordings at once: the other inserted the row; run again on it.
      if (constraintKind(e) === "unique") return write();
      throw e;
    });
  } catch (e) {
    // Deleted meanwhile (the cascade took its rows): nothing to record.
    if (constraintKind(e) === "foreignKey") return { status, checkedAt: new Date(now) };
    throw e;
  }
  knownOf(deps).set(integration.id, `${written.health.status}:${written.health.code ?? ""}`);
  for (const event of written.events) void notifyEvent(deps, event, { integration, health: written.health as unknown as Record<string, unknown> });
  return written.health;
}

async function addHourly(trx: Parameters<Parameters<typeof transaction>[1]>[0], integrationId: string, now: number, result: CheckResult) {
  const hour = now - (now % 3_600_000);
  const failed = result.ok ? 0 : 1;
  const latency = result.ok ? (result.latencyMs ?? 0) : 0;
  const res = await trx
    .updateTable("healthHourly")
    .set((eb) => ({ checks: eb("checks", "+", 1), failures: eb("failures", "+", failed), latencySum: eb("latencySum", "+", latency) }))
    .where("integrationId", "=", integrationId)
    .where("hour", "=", hour)
    .executeTakeFirst();
  if (!Number(res.numUpdatedRows)) {
    await trx.insertInto("healthHourly").values({ integrationId, hour, checks: 1, failures: failed, latencySum: latency }).execute();
  }
}

/**
 * A capability read's envelope feeds the health cheaply: only a change against what this instance last
 * recorded is written (an `ok` read of a healthy integration costs nothing). Patchbay's own failures
 * ("see the server log") say nothing about the service and are skipped.
 */
export function noteCapabilityOutcome(deps: Deps, integration: IntegrationRef, outcome: { ok: true } | { ok: false; error: { code: string; message: string } }): void {
  if (!outcome.ok && outcome.error.message.startsWith("Patchbay failed")) return;
  const key = outcome.ok ? "ok:" : `failing:${outcome.error.code}`;
  if (knownOf(deps).get(integration.id) === key) return;
  knownOf(deps).set(integration.id, key);
  const result: CheckResult = outcome.ok ? { ok: true } : { ok: false, code: outcome.error.code, message: outcome.error.message };
  recordHealth(deps, integration, result, false).catch((err: unknown) => {
    knownOf(deps).delete(integration.id);
    deps.log.warn({ err: err instanceof Error ? err.message : String(err), integrationId: integration.id }, "could not record health");
  });
}

/** A manual `integration.testConnection` of a stored integration (its stored URL and secrets) counts as a check. */
export function noteManualTest(deps: Deps, integration: IntegrationRef, outcome: { ok: true; version?: string } | { ok: false; error: { code: string; message: string } }, latencyMs: number) {
  const result: CheckResult = outcome.ok ? { ok: true, latencyMs, ...(outcome.version ? { version: outcome.version } : {}) } : { ok: false, code: outcome.error.code, message: outcome.error.message };
  return recordHealth(deps, integration, result).catch((err: unknown) => {
    deps.log.warn({ err: err instanceof Error ? err.message : String(err), integrationId: integration.id }, "could not record health");
  });
}

// ---- one check ----

const running = new WeakMap<Deps, Map<string, Promise<Health | undefined>>>();
function runningOf(deps: Deps) {
  let m = running.get(deps);
  if (!m) running.set(deps, (m = new Map()));
  return m;
}

/**
 * Runs the connection test of one stored integration and records it. A check already running in this
 * instance for the same integration is joined, never doubled. Undefined when the integration is gone.
 */
export function checkIntegration(deps: Deps, integrationId: string): Promise<Health | undefined> {
  const map = runningOf(deps);
  const inflight = map.get(integrationId);
  if (inflight) return inflight;
  const p = runCheck(deps, integrationId).finally(() => map.delete(integrationId));
  map.set(integrationId, p);
  return p;
}

async function runCheck(deps: Deps, integrationId: string): Promise<Health | undefined> {
  const row = await deps.db.selectFrom("integrations").select(["id", "name", "kind", "url"]).where("id", "=", integrationId).executeTakeFirst();
  const def = row && getKind(row.kind);
  if (!row || !def) return undefined;
  const secrets = toSecrets(await loadSecrets(deps.db, deps.keyring, row.id));
  await ensureFreshTrust(deps);
  const started = performance.now();
  const outcome = await runConnectionTest(def, row.url, secrets, { trust: deps.trust, timeoutMs: deps.config.testTimeoutMs });
  const latencyMs = Math.round(performance.now() - started);
  let result: CheckResult;
  if (outcome.ok) {
    result = { ok: true, latencyMs, ...(outcome.version ? { version: outcome.version } : {}) };
    const url = new URL(row.url);
    if (url.protocol === "https:") Object.assign(result, await certificateWarning(url));
  } else {
    // UNSUPPORTED_VERSION (below the kind's minimum) comes from the runner like every other failure.
    result = { ok: false, latencyMs, code: outcome.error.code, message: outcome.error.message };
    if (typeof outcome.error.details?.version === "string") result.version = outcome.error.details.version;
  }
  return recordHealth(deps, row, result);
}

/** A warning when the service's certificate ends within CERT_WARNING_DAYS (read with one extra TLS handshake). */
export async function certificateWarning(url: URL, now = Date.now()): Promise<Pick<CheckResult, "warning" | "certValidTo">> {
  const cert = await fetchPeerCertificate(url, 3_000);
  if (!cert) return {};
  const end = Date.parse(cert.validTo);
  const days = (end - now) / 86_400_000;
  if (!Number.isFinite(days) || days >= CERT_WARNING_DAYS) return {};
  const when = cert.validTo.slice(0, 10);
  const warning = days <= 0 ? `The HTTPS certificate expired on ${when}.` : `The HTTPS certificate expires on ${when} (in ${Math.max(1, Math.floor(days))} days). Renew it.`;
  return { warning, certValidTo: cert.validTo };
}

// ---- the scheduler ----

/**
 * Claims the check of one integration that was due at `now`: moves its due time to `next`. True for exactly
 * one claimer however many instances try at once — the UPDATE re-checks `due_at <= now` under the row lock
 * (PostgreSQL re-evaluates the condition on the committed row, InnoDB's UPDATE reads the latest version,
 * SQLite has one writer), so every other claimer updates no row.
 */
export async function claimCheck(db: Db, integrationId: string, now: number, next: number, owner: string): Promise<boolean> {
  const res = await db.updateTable("healthLeases").set({ dueAt: next, owner }).where("integrationId", "=", integrationId).where("dueAt", "<=", now).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface HealthMonitor {
  stop(): Promise<void>;
}

/**
 * Starts the background checks (PATCHBAY_HEALTH_INTERVAL_S, 0 = off). A short tick looks for due leases;
 * at most PATCHBAY_HEALTH_CONCURRENCY checks run at once per instance. New integrations get a first due
 * time spread over one interval (jitter), later ones one interval plus up to 10 % after the claim, so a
 * restart or a bulk import never checks everything at the same moment.
 */
export function startHealthMonitor(deps: Deps): HealthMonitor {
  const intervalMs = deps.config.healthIntervalS * 1000;
  if (!intervalMs) return { stop: async () => undefined };
  const owner = newId();
  const concurrency = deps.config.healthConcurrency;
  const tickMs = Math.min(Math.max(Math.round(intervalMs / 10), 100), 1_000);
  const active = new Set<Promise<unknown>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastSeed = 0;
  let lastPrune = 0;
  let ticking = false;
  let backlog = false;

  const seed = async (now: number) => {
    // Integrations without a lease row (new ones): first check somewhere within the next interval.
    const missing = await deps.db
      .selectFrom("integrations as i")
      .leftJoin("healthLeases as l", "l.integrationId", "i.id")
      .select("i.id")
      .where("l.integrationId", "is", null)
      .limit(1000)
      .execute();
    for (const m of missing) {
      try {
        await deps.db.insertInto("healthLeases").values({ integrationId: m.id, dueAt: now + Math.floor(Math.random() * intervalMs), owner: null }).execute();
      } catch (e) {
        // Another instance seeded it, or it was deleted meanwhile.
        if (!constraintKind(e)) throw e;
      }
    }
  };

  const prune = async (now: number) => {
    const before = now - HISTORY_DAYS * 86_400_000;
    await deps.db.deleteFrom("healthEvents").where("at", "<", before).execute();
    await deps.db.deleteFrom("healthHourly").where("hour", "<", before).execute();
  };

  const claimAndRun = async () => {
    const now = Date.now();
    if (now - lastSeed >= Math.min(intervalMs, 10_000)) {
      lastSeed = now;
      await seed(now);
    }
    if (now - lastPrune >= 3_600_000) {
      lastPrune = now;
      await prune(now);
    }
    const free = concurrency - active.size;
    if (free <= 0) {
      backlog = true;
      return;
    }
    const due = await deps.db.selectFrom("healthLeases").select("integrationId").where("dueAt", "<=", now).orderBy("dueAt").limit(free * 2).execute();
    // More due than slots: a finished check claims the next right away instead of waiting for the tick.
    backlog = due.length > free;
    let started = 0;
    for (const { integrationId } of due) {
      if (started >= free || stopped) break;
      const next = Date.now() + intervalMs + Math.floor(Math.random() * intervalMs * 0.1);
      if (!(await claimCheck(deps.db, integrationId, now, next, owner))) continue; // another instance won it
      started++;
      const p = checkIntegration(deps, integrationId)
        .catch((err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err), integrationId }, "health check failed"))
        .finally(() => {
          active.delete(p);
          if (backlog && !stopped) void tick();
        });
      active.add(p);
    }
  };

  const tick = async () => {
    if (ticking || stopped) return;
    ticking = true;
    try {
      await claimAndRun();
    } catch (err) {
      if (!stopped) deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "health scheduler tick failed");
    } finally {
      ticking = false;
    }
  };
  const loop = async () => {
    if (stopped) return;
    await tick();
    if (!stopped) {
      timer = setTimeout(() => void loop(), tickMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void loop(), Math.floor(Math.random() * tickMs));
  timer.unref();
  deps.log.info({ intervalS: deps.config.healthIntervalS, concurrency }, "health monitor started");

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // Checks in flight end within the test deadline; shutdown waits a little for them, not longer.
      await Promise.race([Promise.allSettled([...active]), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}
