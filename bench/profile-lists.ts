/**
 * `npx tsx bench/profile-lists.ts [small|medium|large]`: seeds one data set and times each stage of
 * integration.all for the measured user, one after another in rounds (README "Performance": where the time
 * of a list goes): the SQL (kysely + better-sqlite3, rows in camelCase), sorting, row mapping, output
 * validation (zod) and superjson serialisation, then the whole procedure in-process.
 * With `--cpu-prof` (npx tsx --cpu-prof …) the profile's second half is the loop of whole calls.
 */
import superjson from "superjson";
import { transformer } from "../src/api/transformer.js";
import { integrationListOutput } from "../src/api/outputs.js";
import { accessibleList } from "../src/services/access.js";
import { resolveCaller } from "../src/services/auth.js";
import { listIntegrations } from "../src/services/integrations.js";
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
    ["SQL (permission query, rows mapped to camelCase)", () => accessibleList(ds.deps.db, caller).execute()],
    ["service (SQL + sort + list items)", () => listIntegrations(ds.deps, caller)],
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
