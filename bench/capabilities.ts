import { CAPABILITIES } from "../src/services/capability-table.js";
import { startHealthchecks } from "../src/kinds/healthchecks/emulator.js";
import { dropCachedReads, kindsWith, pollerCount, watchCapability } from "../src/services/capabilities.js";
import type { Dataset } from "./dataset.js";
import { callerFor } from "./inprocess.js";
import { measure, round, sleep, type Summary } from "./stats.js";
import { resolveCaller } from "../src/services/auth.js";

/**
 * Capability figures (issue 12, docs/capabilities.md): what live dashboards cost the services behind them.
 * - 100 watchers of 10 integrations (Healthchecks emulators, `monitoring.watch` at the default 5 s): upstream
 *   calls per minute. Shared pollers make it 10 × 12 = 120/min whatever the number of watchers.
 * - `downloads.queue` over 6 download clients, p50 of an uncached read (in-process, instant upstreams):
 *   `downloadsQueueFigure`, ready for the download kinds' emulators (none has the capability in this build).
 */

const HC_KEY = "benchhckey0123456789abcdef012345"; // Healthchecks keys are 32 characters

export interface CapabilityFigures {
  watch: { watchers: number; integrations: number; intervalMs: number; measuredS: number; upstreamCalls: number; upstreamCallsPerMinute: number; expectedPerMinute: number; emissions: number };
  downloadsQueue?: { clients: number; summary: Summary } | { skipped: string };
}

export async function watchFigure(ds: Dataset, measureMs = 20_000): Promise<CapabilityFigures["watch"]> {
  const admin = await callerFor(ds.deps, ds.adminToken);
  const caller = await resolveCaller(ds.deps.db, { apiKey: ds.adminToken });
  const emulators = await Promise.all(Array.from({ length: 10 }, () => startHealthchecks({ apiKey: HC_KEY, checks: [{ name: "backups", status: "up" }] })));
  const ids: string[] = [];
  try {
    for (const [i, e] of emulators.entries()) {
      const r = await admin.integration.create({ name: `bench-hc-${i}`, kind: "healthchecks", url: e.url, secrets: [{ kind: "apiKey", value: HC_KEY }] });
      if (!("id" in r)) throw new Error(`creating a Healthchecks integration failed: ${JSON.stringify(r)}`);
      ids.push(r.id);
    }
    const intervalMs = 5_000;
    const controller = new AbortController();
    const spec = { capability: "monitoring" as const, read: "status", data: CAPABILITIES.monitoring.read.data };
    let emissions = 0;
    const watchers = Array.from({ length: 100 }, async (_, i) => {
      for await (const _batch of watchCapability(ds.deps, caller, spec, [ids[i % 10]!], {}, intervalMs, controller.signal)) emissions++;
    });
    // Half an interval in: every poller made its first call, and the window below is centred between polls
    // (a window edge on a poll would count it or not by chance).
    await sleep(intervalMs / 2);
    const count = () => emulators.reduce((n, e) => n + e.requests.length, 0);
    const before = count();
    const t0 = performance.now();
    await sleep(measureMs);
    const calls = count() - before;
    const measuredS = (performance.now() - t0) / 1000;
    if (pollerCount(ds.deps) !== 10) throw new Error(`expected 10 shared pollers, found ${pollerCount(ds.deps)}`);
    controller.abort();
    await Promise.all(watchers);
    return {
      watchers: 100,
      integrations: 10,
      intervalMs,
      measuredS: round(measuredS, 1),
      upstreamCalls: calls,
      upstreamCallsPerMinute: round((calls / measuredS) * 60, 0),
      expectedPerMinute: 10 * (60_000 / intervalMs),
      emissions,
    };
  } finally {
    for (const id of ids) await admin.integration.delete({ id });
    await Promise.all(emulators.map((e) => e.close()));
  }
}

/**
 * p50 of `downloads.queue` over the given download clients, every read uncached (the cache is dropped before
 * each call, so this is the fan-out itself). `clients`: integrations to create, e.g. one per download kind
 * against its emulator with no delay.
 */
export async function downloadsQueueFigure(ds: Dataset, clients: { kind: string; url: string; secrets: { kind: "apiKey" | "username" | "password" | "token" | "url"; value: string }[] }[]): Promise<NonNullable<CapabilityFigures["downloadsQueue"]>> {
  if (!kindsWith("downloads").length || !clients.length) return { skipped: "no download kind implements the downloads capability in this build" };
  const admin = await callerFor(ds.deps, ds.adminToken);
  const ids: string[] = [];
  try {
    for (const [i, c] of clients.entries()) {
      const r = await admin.integration.create({ name: `bench-dl-${i}`, kind: c.kind, url: c.url, secrets: c.secrets });
      if (!("id" in r)) throw new Error(`creating ${c.kind} failed: ${JSON.stringify(r)}`);
      ids.push(r.id);
    }
    const summary = await measure(
      async () => {
        for (const id of ids) dropCachedReads(ds.deps, id);
        const answer = await admin.downloads.queue({ integrationIds: ids });
        if (answer.some((e) => "error" in e)) throw new Error(`downloads.queue failed: ${JSON.stringify(answer.find((e) => "error" in e))}`);
      },
      { warmupCalls: 20, minCalls: 50, maxCalls: 2_000, budgetMs: 3_000 },
    );
    return { clients: clients.length, summary };
  } finally {
    for (const id of ids) await admin.integration.delete({ id });
  }
}
