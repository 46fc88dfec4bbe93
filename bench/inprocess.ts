import { appRouter } from "../src/api/root.js";
import { createCallerFactory, type Context } from "../src/api/trpc.js";
import { resolveCaller } from "../src/services/auth.js";
import { clearListCache } from "../src/services/list-cache.js";
import type { Deps } from "../src/services/deps.js";
import type { Dataset } from "./dataset.js";
import { NAME_WORDS, SEARCH_QUERY } from "./dataset.js";
import { Prng } from "./prng.js";
import { measure, type MeasureOptions, type Summary } from "./stats.js";

const createCaller = createCallerFactory(appRouter);
export type Api = ReturnType<typeof createCaller>;

/** A tRPC caller with the context src/server/app.ts createContext builds for an API-key request. */
export async function callerFor(deps: Deps, apiKey: string): Promise<Api> {
  const caller = await resolveCaller(deps.db, { apiKey });
  if (!caller.user) throw new Error("bench API key did not resolve to a user");
  const ctx: Context = { deps, caller, ip: "127.0.0.1", sessionToken: undefined, crossSite: false, setSessionCookie() {} };
  return createCaller(ctx);
}

export interface ProcedureResult extends Summary {
  procedure: string;
  note?: string;
  /** p50 of each round (cases run interleaved, round after round); p50 above is their median. */
  rounds: number[];
  min: number;
  median: number;
  max: number;
}

/** Rounds of every case, interleaved, so a burst of load on the machine hits all cases alike. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** Ten rows for saveUserIntegrationPermissions: the measured user keeps full access, nine others at random levels. */
export function permissionRows(ds: Dataset, rng: Prng) {
  const levels = ["use", "interact", "full"] as const;
  return [
    { principalId: ds.userId, permission: "full" as const },
    ...rng.sample(ds.otherUserIds, 9).map((principalId) => ({ principalId, permission: rng.pick(levels) })),
  ];
}

/**
 * Every procedure of the brief, in-process through createCaller, in ROUNDS interleaved rounds (each case a
 * share of its time budget per round). Reads first; the two writes last
 * (they change the data set a little: saves replace 5 rows by 10 on some integrations, creates add rows).
 */
export async function runInProcess(ds: Dataset, upstream: { url: string; apiKey: string }, opts: MeasureOptions = {}): Promise<{ results: ProcedureResult[]; counts: Record<string, number> }> {
  const api = await callerFor(ds.deps, ds.userToken);
  const admin = await callerFor(ds.deps, ds.adminToken);
  const ids = ds.fullIds;
  const cases: { procedure: string; fn: (i: number) => Promise<unknown>; o: MeasureOptions; note?: string }[] = [];
  const run = async (procedure: string, fn: (i: number) => Promise<unknown>, o: MeasureOptions = {}, note?: string) => {
    cases.push({ procedure, fn, o: { ...opts, ...o }, ...(note ? { note } : {}) });
  };
  const counts = {
    all: (await api.integration.all()).length,
    allOfGivenCategory: (await api.integration.allOfGivenCategory({ category: "mediaCollection" })).length,
    search: (await api.integration.search({ query: SEARCH_QUERY })).length,
  };

  await run("resolveCaller (API key → Caller, every HTTP request)", () => resolveCaller(ds.deps.db, { apiKey: ds.userToken }));
  await run("integration.all", () => api.integration.all(), {}, `${counts.all} rows, cached (no write since the last read)`);
  await run(
    "integration.all (after a write)",
    () => (clearListCache(ds.deps.db), api.integration.all()),
    {},
    `${counts.all} rows, list cache empty: the first read after any write to integrations or permissions`,
  );
  await run("integration.allOfGivenCategory", () => api.integration.allOfGivenCategory({ category: "mediaCollection" }), {}, `mediaCollection, ${counts.allOfGivenCategory} rows`);
  await run("integration.search", () => api.integration.search({ query: SEARCH_QUERY }), {}, `"${SEARCH_QUERY}", limit 10`);
  // More distinct terms than the trigram answers remembered per instance (src/services/search-trigram.ts).
  await run(
    "integration.search (a new term each call)",
    (i) => api.integration.search({ query: `${NAME_WORDS[i % NAME_WORDS.length]!.toLowerCase()} ${(i * 7919) % 1009}` }),
    {},
    `"garage 123"-like terms, 1,009 different ones, limit 10`,
  );
  await run("integration.byId", (i) => api.integration.byId({ id: ids[i % ids.length]! }));
  await run("integration.getIntegrationPermissions", (i) => api.integration.getIntegrationPermissions({ id: ids[i % ids.length]! }));
  const rng = new Prng(7);
  const payloads = Array.from({ length: 64 }, () => permissionRows(ds, rng));
  await run(
    "integration.saveUserIntegrationPermissions",
    (i) => api.integration.saveUserIntegrationPermissions({ entityId: ids[i % ids.length]!, permissions: payloads[i % payloads.length]! }),
    {},
    "10 rows",
  );
  await run(
    "integration.create",
    (i) => admin.integration.create({ name: `Bench Sonarr ${i}`, kind: "sonarr", url: upstream.url, secrets: [{ kind: "apiKey", value: upstream.apiKey }] }),
    { maxCalls: 1500, budgetMs: 1500 },
    "sonarr vs. instant arr emulator (admin)",
  );
  const rounds = new Map<string, Summary[]>(cases.map((c) => [c.procedure, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) {
      const budgetMs = (c.o.budgetMs ?? 2000) / ROUNDS;
      const maxCalls = Math.ceil((c.o.maxCalls ?? 5000) / ROUNDS);
      // Full warm-up in the first round only (JIT, page cache); a short one before later rounds.
      const warm = r === 0 ? {} : { warmupCalls: 10, warmupMs: 50 };
      rounds.get(c.procedure)!.push(await measure(c.fn, { ...c.o, ...warm, budgetMs, maxCalls, minCalls: 10 }));
    }
  }
  const results: ProcedureResult[] = cases.map((c) => {
    const all = rounds.get(c.procedure)!;
    const p50s = all.map((s) => s.p50).sort((a, b) => a - b);
    const median = p50s[Math.floor(p50s.length / 2)]!;
    const n = all.reduce((a, s) => a + s.n, 0);
    return {
      procedure: c.procedure,
      n,
      p50: median,
      p99: Math.max(...all.map((s) => s.p99)),
      mean: all.reduce((a, s) => a + s.mean * s.n, 0) / n,
      rps: all.reduce((a, s) => a + s.rps, 0) / all.length,
      rounds: all.map((s) => s.p50),
      min: p50s[0]!,
      median,
      max: p50s[p50s.length - 1]!,
      ...(c.note ? { note: c.note } : {}),
    };
  });
  return { results, counts };
}
