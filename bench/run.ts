/**
 * `npm run bench` (issue 7): seeded data sets, every listed procedure in-process (tRPC createCaller) and over
 * HTTP (autocannon on loopback against the real server process), process figures and connection-test
 * figures; prints tables and writes bench/results.json. Never part of `npm test`.
 *
 * BENCH_ONLY=process,small,medium,large,connection,capabilities,http runs a subset (while working on one figure).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startArr } from "../src/kinds/arr-family/emulator.js";
import { downloadsQueueFigure, watchFigure, type CapabilityFigures } from "./capabilities.js";
import { startQbittorrentEmulator } from "../src/kinds/qbittorrent/emulator.js";
import { startTransmissionEmulator } from "../src/kinds/transmission/emulator.js";
import { connectionFigures, type ConnectionFigures } from "./connection.js";
import { healthFigures, healthLines, type HealthFigures } from "./health.js";
import { DATASETS, removeDataset, SEARCH_QUERY, seedDataset, type Dataset, type DatasetSpec } from "./dataset.js";
import { load, rssMb, SERVER_COMMAND, startServerProcess, treeRssMb, trpcMutation, trpcQuery, type HttpRequest, type HttpResult } from "./http.js";
import { permissionRows, ROUNDS, runInProcess, type ProcedureResult } from "./inprocess.js";
import { Prng } from "./prng.js";
import { processFigures, type ProcessFigures } from "./process.js";
import { round } from "./stats.js";

const DIALECT: "sqlite" | "postgres" | "mysql" = !process.env.BENCH_DATABASE_URL ? "sqlite" : /^postgres/.test(process.env.BENCH_DATABASE_URL) ? "postgres" : "mysql";
const only = new Set((process.env.BENCH_ONLY ?? "process,small,medium,large,connection,capabilities,http,health").split(",").map((s) => s.trim()));
const ARR_KEY = "bench-arr-key-0123456789abcdef0123";

interface HttpRow extends HttpResult {
  procedure: string;
  note?: string;
}

interface DatasetResult {
  spec: DatasetSpec;
  rows: Record<string, number>;
  seedMs: number;
  visible: Record<string, number>;
  inProcess: ProcedureResult[];
  http: HttpRow[];
}

interface Target {
  figure: string;
  measured: number;
  target: number;
  unit: string;
  /** "max": measured must be ≤ target; "min": measured must be ≥ target. */
  kind: "max" | "min";
  ratio: number;
  met: boolean;
  note?: string;
}

const results: {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadavgAtStart: number[]; loadavgAtEnd?: number[] };
  database: string;
  serverCommand: string;
  process?: ProcessFigures;
  datasets: Partial<Record<DatasetSpec["name"], DatasetResult>>;
  connection?: ConnectionFigures;
  capabilities?: CapabilityFigures;
  rssAfterLargeMb?: { serverMb: number; treeMb: number; note: string };
  health?: HealthFigures;
  targets: Target[];
  durationS?: number;
} = {
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "?", node: process.version, platform: `${os.platform()} ${os.release()}`, loadavgAtStart: os.loadavg().map((v) => round(v, 2)) },
  database: DIALECT === "sqlite" ? "SQLite (the default, WAL)" : DIALECT === "postgres" ? "PostgreSQL (BENCH_DATABASE_URL)" : "MySQL/MariaDB (BENCH_DATABASE_URL)",
  serverCommand: `node ${SERVER_COMMAND.join(" ")}`,
  datasets: {},
  targets: [],
};

const t0 = performance.now();
const log = (msg: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

function httpRequests(ds: Dataset, arrUrl: string): { procedure: string; requests: HttpRequest[]; apiKey: string; note?: string }[] {
  const ids = ds.fullIds.slice(0, 64);
  const rng = new Prng(11);
  return [
    { procedure: "integration.all", requests: [trpcQuery("integration.all")], apiKey: ds.userToken },
    { procedure: "integration.allOfGivenCategory", requests: [trpcQuery("integration.allOfGivenCategory", { category: "mediaCollection" })], apiKey: ds.userToken },
    { procedure: "integration.search", requests: [trpcQuery("integration.search", { query: SEARCH_QUERY })], apiKey: ds.userToken },
    { procedure: "integration.byId", requests: ids.map((id) => trpcQuery("integration.byId", { id })), apiKey: ds.userToken },
    { procedure: "integration.getIntegrationPermissions", requests: ids.map((id) => trpcQuery("integration.getIntegrationPermissions", { id })), apiKey: ds.userToken },
    {
      procedure: "integration.saveUserIntegrationPermissions",
      requests: ids.map((id) => trpcMutation("integration.saveUserIntegrationPermissions", { entityId: id, permissions: permissionRows(ds, rng) })),
      apiKey: ds.userToken,
      note: "10 rows",
    },
    {
      procedure: "integration.create",
      requests: [trpcMutation("integration.create", { name: "Bench Sonarr", kind: "sonarr", url: arrUrl, secrets: [{ kind: "apiKey", value: ARR_KEY }] })],
      apiKey: ds.adminToken,
      note: "sonarr vs. instant arr emulator (admin)",
    },
  ];
}

async function benchDataset(spec: DatasetSpec): Promise<void> {
  log(`${spec.name}: seeding ${spec.integrations} integrations, ${spec.users} users, ${spec.groups} groups, ${spec.apps} apps`);
  const ds = await seedDataset(spec);
  log(`${spec.name}: seeded in ${(ds.seedMs / 1000).toFixed(1)} s (${JSON.stringify(ds.rows)})`);
  const arr = await startArr({ app: "Sonarr", apiKey: ARR_KEY });
  try {
    const { results: inProcess, counts } = await runInProcess(ds, { url: arr.url, apiKey: ARR_KEY });
    arr.requests.length = 0;
    log(`${spec.name}: in-process done`);
    const entry: DatasetResult = { spec, rows: ds.rows, seedMs: round(ds.seedMs, 0), visible: counts, inProcess, http: [] };
    results.datasets[spec.name] = entry;
    if (spec.name === "medium" && only.has("connection")) {
      log("connection-test figures (medium data set)");
      results.connection = await connectionFigures(ds);
    }
    if (spec.name === "small" && only.has("capabilities")) {
      log("capability figures: 100 watchers of 10 integrations (20 s), downloads.queue over 6 clients");
      results.capabilities = { watch: await watchFigure(ds), downloadsQueue: await downloadQueueOverEmulators(ds) };
    }
    await ds.deps.close();
    if (!only.has("http")) return;

    // Over HTTP: the real server process on the same data dir; autocannon runs here, on the other core.
    const server = await startServerProcess(ds.dataDir, { SECRET_ENCRYPTION_KEY: ds.keyHex, ...(ds.databaseUrl ? { DATABASE_URL: ds.databaseUrl } : {}) });
    try {
      const all = httpRequests(ds, arr.url);
      const plan: { procedure: string; durationS: number }[] =
        spec.name === "small"
          ? [{ procedure: "integration.all", durationS: 5 }]
          : spec.name === "medium"
            ? all.map((p) => ({ procedure: p.procedure, durationS: 3 }))
            : [
                { procedure: "integration.all", durationS: 3 },
                { procedure: "integration.byId", durationS: 3 },
              ];
      for (const step of plan) {
        const p = all.find((x) => x.procedure === step.procedure)!;
        const r = await load(server.url, p.apiKey, p.requests, { durationS: step.durationS });
        arr.requests.length = 0;
        entry.http.push({ procedure: p.procedure, ...r, ...(p.note ? { note: p.note } : {}) });
        log(`${spec.name}: HTTP ${p.procedure}: ${r.rps} req/s, p50 ${r.p50} ms`);
      }
      if (spec.name === "small") {
        // Reference points for the HTTP figures: the cheapest authenticated tRPC query (resolveCaller + the
        // tRPC fetch adapter + superjson, no data) and a plain Fastify route with one SQL round trip.
        for (const [procedure, req, note] of [
          ["auth.session", trpcQuery("auth.session"), "reference: the cheapest authenticated tRPC query"],
          ["GET /api/health", { path: "/api/health" }, "reference: plain Fastify route + select 1"],
        ] as const) {
          const r = await load(server.url, ds.userToken, [req], { durationS: 3 });
          entry.http.push({ procedure, ...r, note });
          log(`${spec.name}: HTTP ${procedure}: ${r.rps} req/s`);
        }
      }
      if (spec.name === "large") {
        results.rssAfterLargeMb = { serverMb: round(rssMb(server.pid), 1), treeMb: round(treeRssMb(server.pid), 1), note: "server process after the HTTP runs on the large data set" };
      }
    } finally {
      await server.stop();
    }
    if (spec.name === "small") {
      // The same run with LOG_LEVEL=warn: what the two request log lines per call cost.
      const quiet = await startServerProcess(ds.dataDir, { SECRET_ENCRYPTION_KEY: ds.keyHex, LOG_LEVEL: "warn", ...(ds.databaseUrl ? { DATABASE_URL: ds.databaseUrl } : {}) });
      try {
        const r = await load(quiet.url, ds.userToken, [trpcQuery("integration.all")], { durationS: 5 });
        entry.http.push({ procedure: "integration.all", ...r, note: "LOG_LEVEL=warn (no request log lines)" });
        log(`${spec.name}: HTTP integration.all (LOG_LEVEL=warn): ${r.rps} req/s`);
      } finally {
        await quiet.stop();
      }
    }
  } finally {
    await arr.close();
    await removeDataset(ds);
  }
}

function target(figure: string, measured: number | undefined, t: number, unit: string, kind: "max" | "min", note?: string) {
  if (measured === undefined || !Number.isFinite(measured)) return;
  const ratio = round(measured / t, 2);
  results.targets.push({ figure, measured: round(measured, 3), target: t, unit, kind, ratio, met: kind === "max" ? measured <= t : measured >= t, ...(note ? { note } : {}) });
}

function computeTargets() {
  const ip = (set: DatasetSpec["name"], proc: string) => results.datasets[set]?.inProcess.find((r) => r.procedure === proc);
  // Targets of issue 17 on the 2-core machine the project runs on.
  // Lists are cached per user until a write moves the access revision (src/services/list-cache.ts); the
  // note gives the first read after a write, which the cache does not help.
  for (const [set, t] of [["medium", 1.0], ["large", 10]] as const) {
    const miss = ip(set, "integration.all (after a write)")?.p50;
    target(`integration.all p50, ${set}, in-process`, ip(set, "integration.all")?.p50, t, "ms", "max", miss === undefined ? undefined : `cached; after a write ${round(miss)} ms`);
  }
  const byIdLarge = ip("large", "integration.byId")?.p50;
  if (byIdLarge !== undefined) target("integration.search p50 ÷ integration.byId p50, large, in-process", (ip("large", "integration.search")?.p50 ?? NaN) / byIdLarge, 1, "×", "max", `byId ${round(byIdLarge)} ms`);
  target("integration.byId p50, medium, in-process", ip("medium", "integration.byId")?.p50, 0.15, "ms", "max");
  target("saveUserIntegrationPermissions (10 rows) p50, medium, in-process", ip("medium", "integration.saveUserIntegrationPermissions")?.p50, 0.5, "ms", "max");
  const httpAll = results.datasets.small?.http.find((r) => r.procedure === "integration.all" && !r.note);
  target("integration.all over HTTP, small, 2 cores", httpAll?.rps, 2000, "req/s", "min", "LOG_LEVEL=info (default), 10 connections");
  const p = results.process;
  target("idle RSS after start", p?.idleRss.serverMb, 80, "MB", "max", results.serverCommand);
  target("cold start to first 200 /api/health (npm start)", p?.coldStart.npmStart.medianMs, 1000, "ms", "max", "median of 3 restarts");
  target("cold start to first 200 /api/health (node build/server/main.js)", p?.coldStart.nodeDirect.medianMs, 1000, "ms", "max", "median of 3 restarts");
  const w = results.capabilities?.watch;
  target("upstream calls per minute, 100 watchers of 10 integrations (watch, 5 s)", w?.upstreamCallsPerMinute, (w?.expectedPerMinute ?? 120) * 1.1, "calls/min", "max", "one shared poller per integration");
  const dq = results.capabilities?.downloadsQueue;
  if (dq && "summary" in dq) target(`downloads.queue over ${dq.clients} download clients p50, uncached, in-process`, dq.summary.p50, 5, "ms", "max", "instant emulated upstreams");
  const c = results.connection;
  for (const t of c?.timeout ?? []) {
    target(`TIMEOUT verdict, deadline ${t.deadlineMs} ms (worst of ${t.verdictsMs.length})`, t.worstMs, t.deadlineMs * 1.05, "ms", "max", `codes: ${[...new Set(t.codes)].join(",")}`);
  }
  if (c) target("integration.all p50 under 100 slow tests ÷ idle p50", c.underLoad.ratioP50, 2, "×", "max", `idle ${round(c.underLoad.idle.p50)} ms → ${round(c.underLoad.loaded.p50)} ms`);
  const h = results.health;
  if (h) {
    target("integration.all p50, health scheduler running ÷ idle (1,000 integrations, 50 ms upstream)", h.ratioP50, 2, "×", "max", `${h.checksPerSecond} checks/s`);
    target("RSS last minute ÷ first minute, health scheduler running", h.rssMb.lastOverFirst, 1.1, "×", "max", `${h.runS} s run`);
    // Flat after the warm-up: the live heap (after full collections) and RSS gain at most 0.5 MB a minute over the last 7 minutes.
    target("live heap (after full GC) slope, last 7 min, health scheduler running", h.heapAfterGcMb?.slopeMbPerMin, 0.5, "MB/min", "max", `${h.runS} s run`);
    target("RSS slope, last 7 min, health scheduler running", h.rssMb.slopeMbPerMin, 0.5, "MB/min", "max", `${h.runS} s run`);
  }
}

// ---- printing ----------------------------------------------------------------------------------------
function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  // Text columns (the first, notes, codes) align left; figures align right.
  const left = headers.map((h, i) => i === 0 || /^(note|codes|value|verdicts)/.test(h));
  const line = (r: string[]) => "| " + r.map((c, i) => (left[i] ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  return [line(cells[0]!), "|" + widths.map((w, i) => (left[i] ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|", ...cells.slice(1).map(line)].join("\n");
}

const ms = (v: number) => (Number.isFinite(v) ? (v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0)) : "–");

function print() {
  const out: string[] = [];
  out.push(`\nPatchbay benchmarks — ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, ${results.database}`);
  out.push(`load average at start ${results.machine.loadavgAtStart.join(" / ")}, at end ${results.machine.loadavgAtEnd?.join(" / ")}`);
  if ((results.machine.loadavgAtStart[0] ?? 0) > 1) out.push("NOTE: other processes were using the CPU when the bench started; figures are pessimistic.");
  for (const [name, d] of Object.entries(results.datasets)) {
    out.push(`\n## ${name}: ${d.rows.integrations} integrations, ${d.spec.users} users, ${d.spec.groups} groups, ${d.spec.apps} apps — seeded in ${(d.seedMs / 1000).toFixed(1)} s; the measured user sees ${d.visible.all}`);
    out.push(`In-process (createCaller, one call at a time; ${ROUNDS} interleaved rounds: min / median / max of the rounds' p50)`);
    out.push(table(["procedure", "min ms", "median ms", "max ms", "p99 ms", "n", "note"], d.inProcess.map((r) => [r.procedure, ms(r.min), ms(r.median), ms(r.max), ms(r.p99), r.n, r.note ?? ""])));
    if (d.http.length) {
      out.push("HTTP (autocannon, loopback, 10 connections, API key header)");
      out.push(table(["procedure", "p50 ms", "p99 ms", "req/s", "requests", "non-2xx", "note"], d.http.map((r) => [r.procedure, ms(r.p50), ms(r.p99), r.rps, r.requests, r.non2xx + r.errors, r.note ?? ""])));
    }
  }
  const p = results.process;
  if (p || results.rssAfterLargeMb) {
    out.push("\n## Process");
    const rows: (string | number)[][] = [];
    if (p) {
      rows.push(["cold start, npm start, empty data dir (first start: key, migrations, admin)", `${p.coldStart.npmStart.emptyDirMs} ms`]);
      rows.push(["cold start, npm start, restarts (median)", `${p.coldStart.npmStart.medianMs} ms  (${p.coldStart.npmStart.restartsMs.join(", ")})`]);
      rows.push([`cold start, ${results.serverCommand} (median)`, `${p.coldStart.nodeDirect.medianMs} ms  (${p.coldStart.nodeDirect.restartsMs.join(", ")})`]);
      rows.push(["idle RSS after start, server process", `${p.idleRss.serverMb} MB`]);
    }
    if (results.rssAfterLargeMb) rows.push(["RSS after the large data set is loaded and queried", `${results.rssAfterLargeMb.serverMb} MB`]);
    out.push(table(["figure", "value"], rows));
  }
  const c = results.connection;
  if (c) {
    out.push("\n## Connection tests (sonarr adapter vs. the arr emulator, in-process)");
    out.push(
      table(
        ["upstream delay", "direct GET p50", "testConnection p50", "p99", "overhead vs direct", "overhead vs delay"],
        c.overhead.map((o) => [`${o.upstreamDelayMs} ms`, `${ms(o.direct.p50)} ms`, `${ms(o.testConnection.p50)} ms`, `${ms(o.testConnection.p99)} ms`, `${ms(o.overP50VsDirect)} ms`, `${ms(o.overP50VsDelay)} ms`]),
      ),
    );
    out.push(table(["deadline", "verdicts (ms)", "worst ÷ deadline", "codes"], c.timeout.map((t) => [`${t.deadlineMs} ms`, t.verdictsMs.join(", "), t.worstRatio, [...new Set(t.codes)].join(",")])));
    const u = c.underLoad;
    out.push(
      table(
        ["integration.all (medium)", "p50 ms", "p99 ms", "calls/s"],
        [
          ["idle", ms(u.idle.p50), ms(u.idle.p99), round(u.idle.rps, 0)],
          [`${u.inFlight} connection tests in flight (upstream ${u.slowDelayMs} ms)`, ms(u.loaded.p50), ms(u.loaded.p99), round(u.loaded.rps, 0)],
        ],
      ),
    );
    out.push(`(${u.inFlight} upstreams, one test each at a time: ${u.testsCompleted} slow tests completed, ${u.testsFailed} failed during the window)`);
    const so = c.sameOrigin;
    out.push(
      `${so.tests} slow tests (upstream ${so.slowDelayMs} ms) against ONE origin at once, deadline ${so.deadlineMs} ms: ` +
        `${Object.entries(so.codes).map(([k, v]) => `${v} ${k}`).join(", ")} after ${so.wallMs} ms; the upstream served ${so.upstreamAvgConcurrent} at a time on average (64 connections per origin)`,
    );
  }
  const cap = results.capabilities;
  if (cap) {
    out.push("\n## Capabilities");
    const w = cap.watch;
    out.push(`${w.watchers} watchers of ${w.integrations} integrations (monitoring.watch every ${w.intervalMs} ms): ${w.upstreamCalls} upstream calls in ${w.measuredS} s = ${w.upstreamCallsPerMinute}/min (expected ${w.expectedPerMinute}/min: one shared poller per integration); ${w.emissions} emissions`);
    const dq = cap.downloadsQueue;
    if (dq) out.push("summary" in dq ? `downloads.queue over ${dq.clients} clients, uncached: p50 ${round(dq.summary.p50, 2)} ms, p99 ${round(dq.summary.p99, 2)} ms` : `downloads.queue: skipped (${dq.skipped})`);
  }
  if (results.health) out.push(...healthLines(results.health));
  out.push("\n## Targets (ratio = measured ÷ target)");
  out.push(table(["figure", "measured", "target", "ratio", "met", "note"], results.targets.map((t) => [t.figure, `${t.measured} ${t.unit}`, `${t.kind === "max" ? "≤" : "≥"} ${round(t.target, 2)} ${t.unit}`, t.ratio, t.met ? "yes" : "MISSED", t.note ?? ""])));
  out.push(`\nTotal ${results.durationS} s; results in bench/results.json`);
  console.log(out.join("\n"));
}

/**
 * bench/results.json holds the SQLite run at the top level and the runs on a server database under
 * `byDatabase.postgres` / `byDatabase.mysql` (BENCH_DATABASE_URL); a run replaces only its own part.
 * `npm run bench:readme` renders the README table from it (bench/readme-table.ts).
 */
function writeResults() {
  const file = path.join(import.meta.dirname, "results.json");
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const byDatabase = (previous.byDatabase ?? {}) as Record<string, unknown>;
  const next = DIALECT === "sqlite" ? { ...results, byDatabase } : { ...previous, byDatabase: { ...byDatabase, [DIALECT]: results } };
  fs.writeFileSync(file, JSON.stringify(next, null, 2) + "\n");
}

// ---- main ----------------------------------------------------------------------------------------------
console.log(`Patchbay bench on ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, ${results.database}; load average ${results.machine.loadavgAtStart.join(" / ")}`);
try {
  if (only.has("process")) {
    log("process figures: cold starts and idle RSS");
    results.process = await processFigures();
  }
  for (const name of ["small", "medium", "large"] as const) {
    if (only.has(name)) await benchDataset(DATASETS[name]);
  }
  if (only.has("health")) {
    log("health scheduler under 1,000 integrations (bench/health.ts)");
    results.health = await healthFigures(log);
  }
  computeTargets();
  results.machine.loadavgAtEnd = os.loadavg().map((v) => round(v, 2));
  results.durationS = round((performance.now() - t0) / 1000, 0);
  writeResults();
  print();
  process.exit(0);
} catch (e) {
  console.error("bench failed:", e);
  process.exit(1);
}

/**
 * `downloads.queue` over 6 download clients: the two download kinds that have protocol emulators (qBittorrent
 * 5.2, Transmission 4.1), three instances of each, every one with 20 torrents and no delay.
 */
async function downloadQueueOverEmulators(ds: Parameters<typeof downloadsQueueFigure>[0]) {
  const torrents = (prefix: string) =>
    Array.from({ length: 20 }, (_, i) => ({ hash: `${prefix}${String(i).padStart(38, "0")}`.slice(0, 40), name: `bench-${prefix}-${i}`, size: 1e9, progress: i / 20, state: "downloading" }));
  const creds = { username: "bench", password: "bench-password-1" };
  const secrets = [{ kind: "username" as const, value: creds.username }, { kind: "password" as const, value: creds.password }];
  const emulators = await Promise.all([
    ...["aa", "ab", "ac"].map((p) => startQbittorrentEmulator({ release: "5.2", ...creds, maxAuthFail: 0, torrents: torrents(p) })),
    ...["ba", "bb", "bc"].map((p) =>
      startTransmissionEmulator({
        release: "4.1",
        ...creds,
        torrents: torrents(p).map((t) => ({ hashString: t.hash, name: t.name, status: 4, percentDone: t.progress, sizeWhenDone: t.size })),
      }),
    ),
  ]);
  try {
    return await downloadsQueueFigure(
      ds,
      emulators.map((e, i) => ({ kind: i < 3 ? "qBittorrent" : "transmission", url: e.url, secrets })),
    );
  } finally {
    await Promise.all(emulators.map((e) => e.close()));
  }
}
