import { forbidden } from "./errors.js";
import type { z } from "zod";
import { LEVELS } from "../auth/permissions.js";
import type { CapabilityName } from "../engine/capabilities.js";
import { withContext } from "../engine/runner.js";
import type { KindDefinition, Secrets } from "../engine/types.js";
import { getKind, kinds } from "../kinds/index.js";
import { byCatalogThenName } from "./list-order.js";
import { accessibleIntegrations, integrationNotFound, requireIntegration } from "./access.js";
import { CapabilityCache } from "./capability-cache.js";
import { scrubDeep } from "./capability-scrub.js";
import { ensureFreshTrust } from "./certificates.js";
import type { Caller, Deps } from "./deps.js";
import { recordAudit } from "./audit.js";
import { loadSecrets, toSecrets } from "./secrets.js";
import { noteCapabilityOutcome } from "./health.js";

/**
 * The capability service (docs/capabilities.md): the one owner of permission checks (the one access query,
 * also for many ids), parallel fan-out under the connection-test deadline, per-integration envelopes, the
 * read cache with coalescing, invalidation on actions, and the shared pollers behind `watch`. Routers are
 * thin over it (src/api/routers/capabilities.ts); kinds only talk to their service (src/kinds/<kind>/capabilities.ts).
 */

export interface IntegrationRef {
  id: string;
  name: string;
  kind: string;
}
export type Envelope<T = unknown> = { integration: IntegrationRef; updatedAt: Date; data: T } | { integration: IntegrationRef; error: { code: string; message: string } };
/** What one upstream read gave, before it is dressed as an envelope (the integration's name may change meanwhile). */
export type Outcome = { ok: true; data: unknown; at: Date } | { ok: false; error: { code: string; message: string } };

/** A read of a capability: the kind's function name and the contract schema its answer must fit. */
export interface ReadSpec {
  capability: CapabilityName;
  read: string;
  data: z.ZodType;
}
export interface ActionSpec {
  capability: CapabilityName;
  action: string;
}

type Row = { id: string; name: string; kind: string; url: string; updatedAt: number | string };


/** The catalog kinds that declare a capability. */
export function kindsWith(capability: CapabilityName): string[] {
  return [...kinds.values()].filter((d) => d.capabilities?.[capability]).map((d) => d.kind);
}

// ---- per-instance state: the cache and the pollers live as long as the Deps they serve ----

interface State {
  cache: CapabilityCache<Outcome>;
  pollers: Map<string, Poller>;
}
const states = new WeakMap<Deps, State>();
function stateOf(deps: Deps): State {
  let s = states.get(deps);
  if (!s) {
    s = { cache: new CapabilityCache<Outcome>(deps.config.capabilityCacheMs ?? 2_000), pollers: new Map() };
    states.set(deps, s);
  }
  return s;
}

/** Stops the sweeper and every poller (server shutdown, tests). */
export function closeCapabilities(deps: Deps): void {
  const s = states.get(deps);
  if (!s) return;
  for (const p of s.pollers.values()) p.stop();
  s.pollers.clear();
  s.cache.close();
  states.delete(deps);
}

// ---- resolving which integrations a call touches ----

/**
 * The integrations a read touches, with ONE access query: the given ids in input order (duplicates once),
 * or every integration the caller can use whose kind has the capability, in list order (kind, then name).
 * A missing id, one the caller cannot use, or one whose kind lacks the capability fails the whole call with
 * the same NOT_FOUND, so nothing can be enumerated.
 */
export async function resolveRead(deps: Deps, caller: Caller, capability: CapabilityName, integrationIds?: readonly string[]): Promise<Row[]> {
  const withCap = kindsWith(capability);
  if (integrationIds === undefined) {
    if (!withCap.length) return [];
    const rows = (await accessibleIntegrations(deps.db, caller).where("i.kind", "in", withCap).execute()) as (Row & { level: number | string })[];
    return rows
      .filter((r) => Number(r.level) >= LEVELS.use)
      .sort(byCatalogThenName);
  }
  const ids = [...new Set(integrationIds)];
  if (!ids.length) return [];
  const rows = (await accessibleIntegrations(deps.db, caller, ids).execute()) as (Row & { level: number | string })[];
  const found = new Map(rows.filter((r) => Number(r.level) >= LEVELS.use && withCap.includes(r.kind)).map((r) => [r.id, r]));
  return ids.map((id) => found.get(id) ?? throwNotFound());
}

function throwNotFound(): never {
  throw integrationNotFound();
}

// ---- one upstream read, cached and coalesced ----

function stableKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Run options whose deadline is what is left of the call's (`deadline`: epoch ms), so database work before the upstream call counts too. */
async function runOptions(deps: Deps, deadline = Date.now() + deps.config.testTimeoutMs) {
  await ensureFreshTrust(deps);
  return { trust: deps.trust, timeoutMs: Math.max(deadline - Date.now(), 1) };
}

async function secretsOf(deps: Deps, integrationId: string): Promise<Secrets> {
  return toSecrets(await loadSecrets(deps.db, deps.keyring, integrationId));
}

function secretValues(secrets: Secrets): string[] {
  return Object.values(secrets).filter((v): v is string => typeof v === "string" && v.length > 0);
}

function implOf(def: KindDefinition | undefined, capability: CapabilityName): Record<string, (ctx: unknown, input: unknown) => Promise<unknown>> | undefined {
  return def?.capabilities?.[capability] as Record<string, (ctx: unknown, input: unknown) => Promise<unknown>> | undefined;
}

/** Calls the kind's read under the deadline; the answer is scrubbed, then validated with the contract schema. */
async function readUpstream(deps: Deps, row: Row, spec: ReadSpec, params: Record<string, unknown>, deadline: number): Promise<Outcome> {
  const def = getKind(row.kind);
  const fn = implOf(def, spec.capability)?.[spec.read];
  if (!def || !fn) return { ok: false, error: { code: "UNKNOWN", message: `${row.kind} has no ${spec.capability} capability.` } };
  // Secrets are decrypted only here, for an integration that is actually called (not for cache hits).
  const secrets = await secretsOf(deps, row.id);
  const values = secretValues(secrets);
  const r = await withContext(def, row.url, secrets, await runOptions(deps, deadline), (ctx) => fn.call(implOf(def, spec.capability), ctx, params));
  if (!r.ok) return { ok: false, error: scrubDeep({ code: r.error.code, message: r.error.message }, values) };
  const checked = spec.data.safeParse(scrubDeep(r.value, values));
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "the top level";
    deps.log.warn({ kind: row.kind, integrationId: row.id, capability: `${spec.capability}.${spec.read}`, path: where }, "capability answer does not fit the contract");
    return { ok: false, error: { code: "UNEXPECTED_RESPONSE", message: `${def.name} answered in a shape Patchbay does not know (at ${where}). Check that ${def.name} is a supported version.` } };
  }
  return { ok: true, data: checked.data, at: new Date() };
}

function cacheKey(row: Pick<Row, "id" | "updatedAt">, spec: ReadSpec, params: Record<string, unknown>): string {
  // updatedAt: a changed URL or secret never serves an answer of the old configuration.
  return `${row.id}\u0000${String(row.updatedAt)}\u0000${spec.capability}.${spec.read}\u0000${stableKey(params)}`;
}

function cachedRead(deps: Deps, row: Row, spec: ReadSpec, params: Record<string, unknown>, maxAgeMs?: number, deadline = Date.now() + deps.config.testTimeoutMs): Promise<Outcome> {
  return stateOf(deps).cache.get(row.id, cacheKey(row, spec, params), () =>
    readUpstream(deps, row, spec, params, deadline)
      .then((outcome) => {
        // Real upstream answers (not cache hits) feed the health monitor; it writes only on a change.
        noteCapabilityOutcome(deps, row, outcome);
        return outcome;
      })
      .catch((err: unknown) => {
        // A bug in an adapter or in Patchbay: logged with its stack, an envelope for the user, never a 500.
        deps.log.error({ err, kind: row.kind, integrationId: row.id }, "capability read failed");
        return { ok: false as const, error: { code: "UNKNOWN", message: "Patchbay failed to read this service; see the server log." } };
      }),
    maxAgeMs,
  );
}

function envelope(row: Pick<Row, "id" | "name" | "kind">, outcome: Outcome): Envelope {
  const integration = { id: row.id, name: row.name, kind: row.kind };
  return outcome.ok ? { integration, updatedAt: outcome.at, data: outcome.data } : { integration, error: outcome.error };
}

/** A read: one envelope per integration, in input order; every upstream runs in parallel under the deadline. */
export async function readCapability(deps: Deps, caller: Caller, spec: ReadSpec, integrationIds: readonly string[] | undefined, params: Record<string, unknown>): Promise<Envelope[]> {
  // One deadline for the whole call, counted from its start: the permission query and secret reads are inside it.
  const deadline = Date.now() + deps.config.testTimeoutMs;
  const rows = await resolveRead(deps, caller, spec.capability, integrationIds);
  const outcomes = await Promise.all(rows.map((row) => cachedRead(deps, row, spec, params, undefined, deadline)));
  return rows.map((row, i) => envelope(row, outcomes[i]!));
}

// ---- actions ----

export type ActionResult = ({ ok: true } & Record<string, unknown>) | { error: { code: string; message: string } };

/**
 * An action needs interact: a caller who can use but not interact gets FORBIDDEN, one who cannot use (or a
 * missing id, or a kind without the capability) NOT_FOUND. Runs under the deadline, drops the integration's
 * cached reads whatever the outcome, and is logged (who, which integration, what, outcome; no secret).
 */
export async function runAction(deps: Deps, caller: Caller, spec: ActionSpec, integrationId: string, params: Record<string, unknown>): Promise<ActionResult> {
  const row = await requireIntegration(deps.db, caller, integrationId, LEVELS.use);
  const def = getKind(row.kind);
  const impl = implOf(def, spec.capability);
  const fn = impl?.[spec.action];
  if (!def || !fn) throw integrationNotFound();
  if (row.level < LEVELS.interact) throw forbidden(`You may use this integration but not control it (needs interact access).`);
  const secrets = await secretsOf(deps, row.id);
  const values = secretValues(secrets);
  let result: ActionResult | undefined;
  try {
    const r = await withContext(def, row.url, secrets, await runOptions(deps), (ctx) => fn.call(impl, ctx, params));
    if (r.ok) {
      const extra = r.value && typeof r.value === "object" ? (r.value as Record<string, unknown>) : {};
      result = { ...scrubDeep(extra, values), ok: true };
    } else result = { error: scrubDeep({ code: r.error.code, message: r.error.message }, values) };
  } finally {
    stateOf(deps).cache.invalidate(row.id);
    // Every control action is recorded with its outcome, also when it failed or threw; parameters are
    // scrubbed of the integration's secrets like the answer is.
    await recordAudit(deps.db, caller.actor, {
      action: `${spec.capability}.${spec.action}`,
      target: { type: "integration", id: row.id, name: row.name },
      integrationId: row.id,
      changes: { params: scrubDeep(params, values), ...(result && !("ok" in result) ? { code: (result as { error: { code: string } }).error.code } : {}) },
      outcome: result && "ok" in result ? "ok" : "error",
    });
  }
  deps.log.info(
    {
      userId: caller.user?.id,
      username: caller.user?.username,
      via: caller.via,
      integrationId: row.id,
      kind: row.kind,
      action: `${spec.capability}.${spec.action}`,
      outcome: "ok" in result ? "ok" : result.error.code,
    },
    "capability action",
  );
  return result;
}

// ---- watch: shared pollers ----

interface Subscriber {
  intervalMs: number;
}

/**
 * One poller per integration + read + params, shared by every watcher (whoever they are): it reads through
 * the cache at the shortest interval its watchers asked for and stops when the last one leaves. It reads the
 * integration's row on every tick, so a changed URL or secret is picked up; permissions are the watchers' concern.
 */
class Poller {
  readonly subscribers = new Set<Subscriber>();
  latest: Outcome | undefined;
  version = 0;
  private waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: Deps,
    private readonly key: string,
    private readonly integrationId: string,
    private readonly spec: ReadSpec,
    private readonly params: Record<string, unknown>,
  ) {}

  start(): void {
    void this.tick();
  }

  private interval(): number {
    let min = Infinity;
    for (const s of this.subscribers) min = Math.min(min, s.intervalMs);
    return Number.isFinite(min) ? min : 5_000;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let outcome: Outcome;
    try {
      const row = await this.deps.db.selectFrom("integrations").select(["id", "name", "kind", "url", "updatedAt"]).where("id", "=", this.integrationId).executeTakeFirst();
      // An answer older than the interval is not served to a poller (a 1 s watch under a 2 s cache polls every second).
      outcome = row ? await cachedRead(this.deps, row, this.spec, this.params, Math.max(this.interval() - 50, 0)) : { ok: false, error: { code: "UNKNOWN", message: "Integration not found" } };
    } catch (err) {
      this.deps.log.error({ err, integrationId: this.integrationId }, "capability poller failed");
      outcome = { ok: false, error: { code: "UNKNOWN", message: "Patchbay failed to read this service; see the server log." } };
    }
    if (this.stopped) return;
    this.latest = outcome;
    this.version++;
    for (const w of this.waiters.splice(0)) w();
    this.timer = setTimeout(() => void this.tick(), this.interval());
    this.timer.unref();
  }

  /** Resolves after the next result (or right away once stopped). */
  next(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  leave(sub: Subscriber, pollers: Map<string, Poller>): void {
    this.subscribers.delete(sub);
    if (!this.subscribers.size) {
      this.stop();
      pollers.delete(this.key);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const w of this.waiters.splice(0)) w();
  }
}

function join(deps: Deps, integrationId: string, spec: ReadSpec, params: Record<string, unknown>, intervalMs: number) {
  const { pollers } = stateOf(deps);
  const key = `${integrationId}\u0000${spec.capability}.${spec.read}\u0000${stableKey(params)}`;
  let poller = pollers.get(key);
  const sub: Subscriber = { intervalMs };
  const fresh = !poller;
  poller ??= new Poller(deps, key, integrationId, spec, params);
  pollers.set(key, poller);
  poller.subscribers.add(sub);
  if (fresh) poller.start();
  return { poller, leave: () => poller.leave(sub, pollers) };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Drops the cached reads of one integration (what an action does; the bench measures uncached reads with it). */
export function dropCachedReads(deps: Deps, integrationId: string): void {
  stateOf(deps).cache.invalidate(integrationId);
}

/** The number of shared pollers running (tests, bench). */
export function pollerCount(deps: Deps): number {
  return states.get(deps)?.pollers.size ?? 0;
}

/**
 * `<router>.watch`: the read's envelope array every `intervalMs`, from the shared pollers. Before every
 * emission the caller's access is re-checked with one query; an integration the caller can no longer use is
 * left (and its poller too, if nobody else watches it); when none is left the subscription ends.
 */
export async function* watchCapability(
  deps: Deps,
  caller: Caller,
  spec: ReadSpec,
  integrationIds: readonly string[] | undefined,
  params: Record<string, unknown>,
  intervalMs: number,
  signal?: AbortSignal,
): AsyncGenerator<Envelope[]> {
  const rows = await resolveRead(deps, caller, spec.capability, integrationIds);
  const watched = new Map(rows.map((r) => [r.id, { row: r as Pick<Row, "id" | "name" | "kind">, ...join(deps, r.id, spec, params, intervalMs), seen: 0 }]));
  try {
    // The first emission waits for every poller's first result (each bounded by the deadline).
    await Promise.all([...watched.values()].map((w) => (w.poller.version ? undefined : w.poller.next())));
    let lastEmit = 0;
    while (!signal?.aborted && watched.size) {
      const ids = [...watched.keys()];
      const allowed = new Map(
        ((await accessibleIntegrations(deps.db, caller, ids).execute()) as (Row & { level: number | string })[])
          .filter((r) => Number(r.level) >= LEVELS.use)
          .map((r) => [r.id, r]),
      );
      for (const [id, w] of watched) {
        const now = allowed.get(id);
        if (!now) {
          w.leave();
          watched.delete(id);
        } else w.row = now;
      }
      if (!watched.size || signal?.aborted) return;
      const out: Envelope[] = [];
      for (const w of watched.values()) {
        w.seen = w.poller.version;
        out.push(envelope(w.row, w.poller.latest!));
      }
      lastEmit = Date.now();
      yield out;
      await sleep(lastEmit + intervalMs - Date.now(), signal);
      // Then the next fresh result of every poller not yet advanced (at most one more interval).
      const stale = [...watched.values()].filter((w) => w.poller.version <= w.seen);
      if (stale.length) await Promise.race([Promise.all(stale.map((w) => w.poller.next())), sleep(intervalMs, signal)]);
    }
  } finally {
    for (const w of watched.values()) w.leave();
  }
}
