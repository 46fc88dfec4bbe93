import { appRouter } from "../src/api/root.js";
import { createCallerFactory, type Context } from "../src/api/trpc.js";
import { resolveCaller } from "../src/services/auth.js";
import type { Deps } from "../src/services/deps.js";
import type { Dataset } from "./dataset.js";
import { SEARCH_QUERY } from "./dataset.js";
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
}

/** Ten rows for saveUserIntegrationPermissions: the measured user keeps full access, nine others at random levels. */
export function permissionRows(ds: Dataset, rng: Prng) {
  const levels = ["use", "interact", "full"] as const;
  return [
    { principalId: ds.userId, permission: "full" as const },
    ...rng.sample(ds.otherUserIds, 9).map((principalId) => ({ principalId, permission: rng.pick(levels) })),
  ];
}

/**
 * Every procedure of the brief, in-process through createCaller. Reads first; the two writes last
 * (they change the data set a little: saves replace 5 rows by 10 on some integrations, creates add rows).
 */
export async function runInProcess(ds: Dataset, upstream: { url: string; apiKey: string }, opts: MeasureOptions = {}): Promise<{ results: ProcedureResult[]; counts: Record<string, number> }> {
  const api = await callerFor(ds.deps, ds.userToken);
  const admin = await callerFor(ds.deps, ds.adminToken);
  const ids = ds.fullIds;
  const results: ProcedureResult[] = [];
  const run = async (procedure: string, fn: (i: number) => Promise<unknown>, o: MeasureOptions = {}, note?: string) => {
    const s = await measure(fn, { ...opts, ...o });
    results.push({ procedure, ...s, ...(note ? { note } : {}) });
  };
  const counts = {
    all: (await api.integration.all()).length,
    allOfGivenCategory: (await api.integration.allOfGivenCategory({ category: "mediaCollection" })).length,
    search: (await api.integration.search({ query: SEARCH_QUERY })).length,
  };

  await run("resolveCaller (API key → Caller, every HTTP request)", () => resolveCaller(ds.deps.db, { apiKey: ds.userToken }));
  await run("integration.all", () => api.integration.all(), {}, `${counts.all} rows`);
  await run("integration.allOfGivenCategory", () => api.integration.allOfGivenCategory({ category: "mediaCollection" }), {}, `mediaCollection, ${counts.allOfGivenCategory} rows`);
  await run("integration.search", () => api.integration.search({ query: SEARCH_QUERY }), {}, `"${SEARCH_QUERY}", limit 10`);
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
  return { results, counts };
}
