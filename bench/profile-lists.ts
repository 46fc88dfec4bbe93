/**
 * `npx tsx bench/profile-lists.ts [small|medium|large]`: seeds one data set and times each stage of
 * integration.all for the measured user, one after another (README "Performance": where the time of a list
 * goes): the access query (kysely + the driver), the health lookup of the rows returned, the service with and
 * without its list cache, output validation (zod), serialisation (superjson, the transformer's shortcut,
 * plain JSON.stringify), then the whole procedure in-process.
 * With `--cpu-prof` (npx tsx --cpu-prof …) the profile's second half is the loop of whole calls.
 */
import superjson from "superjson";
import { transformer } from "../src/api/transformer.js";
import { integrationListOutput } from "../src/api/outputs.js";
import { accessibleList } from "../src/services/access.js";
import { resolveCaller } from "../src/services/auth.js";
import { listIntegrations } from "../src/services/integrations.js";
import { healthByIds } from "../src/services/health.js";
import { clearListCache } from "../src/services/list-cache.js";
import { DATASETS, removeDataset, seedDataset } from "./dataset.js";
import { callerFor } from "./inprocess.js";
import { measure, round } from "./stats.js";

const name = (process.argv[2] ?? "large") as keyof typeof DATASETS;
const ds = await seedDataset(DATASETS[name]);
try {
  const caller = await resolveCaller(ds.deps.db, { apiKey: ds.userToken });
  const api = await callerFor(ds.deps, ds.userToken);
  const rows = await accessibleList(ds.deps.db, caller).execute();
  const items = await listIntegrations(ds.deps, caller);
  const opts = { budgetMs: Number(process.env.PROFILE_MS ?? 1500), maxCalls: 100_000 };
  const stages: [string, () => unknown][] = [
    ["access query, built by kysely each time (rows mapped to camelCase)", () => accessibleList(ds.deps.db, caller).execute()],
    ["health of the rows returned (prepared, 500 ids a statement)", () => healthByIds(ds.deps, rows.map((r) => r.id))],
    ["service, list cache empty (prepared query + sort + health + items)", () => (clearListCache(ds.deps.db), listIntegrations(ds.deps, caller))],
    ["service, list cached (revision + health + items)", () => listIntegrations(ds.deps, caller)],
    ["output validation (zod)", () => integrationListOutput.parse(items)],
    ["superjson.serialize + JSON.stringify", () => JSON.stringify(superjson.serialize(items))],
    ["tRPC transformer (plain-JSON shortcut) + JSON.stringify", () => JSON.stringify(transformer.serialize(items))],
    ["JSON.stringify alone", () => JSON.stringify(items)],
    ["integration.all (createCaller)", () => api.integration.all()],
  ];
  console.log(`${name}: ${rows.length} visible rows`);
  for (const [label, fn] of stages) {
    const s = await measure(async () => fn(), opts);
    console.log(`${String(round(s.p50, 3)).padStart(8)} ms  ${label}`);
  }
} finally {
  await ds.deps.close();
  await removeDataset(ds);
}
