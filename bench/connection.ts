import { Agent, request } from "undici";
import { startArr, type ArrEmulator } from "../src/kinds/arr-family/emulator.js";
import type { Dataset } from "./dataset.js";
import { callerFor } from "./inprocess.js";
import { measure, now, round, sleep, summarize, type Summary } from "./stats.js";

const KEY = "bench-sonarr-key-0123456789abcdef";

export interface ConnectionFigures {
  overhead: { upstreamDelayMs: number; direct: Summary; testConnection: Summary; overP50VsDirect: number; overP50VsDelay: number }[];
  timeout: { deadlineMs: number; verdictsMs: number[]; worstMs: number; worstRatio: number; codes: string[] }[];
  underLoad: { slowDelayMs: number; inFlight: number; idle: Summary; loaded: Summary; ratioP50: number; testsCompleted: number; testsFailed: number };
  sameOrigin: { tests: number; slowDelayMs: number; deadlineMs: number; wallMs: number; codes: Record<string, number>; upstreamAvgConcurrent: number };
}

/**
 * One direct GET of the status endpoint the sonarr adapter calls, with the same HTTP library and agent
 * settings Patchbay's outbound client uses: the upstream's own latency as a client sees it.
 */
async function directStatus(arr: ArrEmulator, agent: Agent): Promise<void> {
  const res = await request(`${arr.url}/api/v3/system/status`, { headers: { "x-api-key": KEY }, dispatcher: agent });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`emulator answered ${res.statusCode}`);
}

export async function connectionFigures(ds: Dataset): Promise<ConnectionFigures> {
  const admin = await callerFor(ds.deps, ds.adminToken);
  const user = await callerFor(ds.deps, ds.userToken);
  const test = async (url: string) => admin.integration.testConnection({ kind: "sonarr", url, secrets: [{ kind: "apiKey", value: KEY }] });

  // 1. Overhead of a connection test over the upstream's own latency (instant, then a fixed 50 ms delay).
  const overhead: ConnectionFigures["overhead"] = [];
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: 8 });
  for (const delayMs of [0, 50]) {
    const arr = await startArr({ app: "Sonarr", apiKey: KEY, delayMs });
    try {
      const first = await test(arr.url);
      if (!first.ok) throw new Error(`connection test against the emulator failed: ${JSON.stringify(first)}`);
      const o = delayMs ? { warmupCalls: 5, minCalls: 40, maxCalls: 40 } : { warmupCalls: 100, maxCalls: 1000, budgetMs: 1500 };
      const direct = await measure(() => directStatus(arr, agent), o);
      const testConnection = await measure(() => test(arr.url), o);
      overhead.push({
        upstreamDelayMs: delayMs,
        direct,
        testConnection,
        overP50VsDirect: round(testConnection.p50 - direct.p50),
        overP50VsDelay: round(testConnection.p50 - delayMs),
      });
      arr.requests.length = 0;
    } finally {
      await arr.close();
    }
  }

  await agent.close();

  // 2. Time to a TIMEOUT verdict against a server that accepts and never answers.
  const timeout: ConnectionFigures["timeout"] = [];
  const hang = await startArr({ app: "Sonarr", apiKey: KEY, hang: true });
  const configured = ds.deps.config.testTimeoutMs;
  try {
    for (const [deadlineMs, runs] of [
      [1_000, 5],
      [configured, 1],
    ] as const) {
      ds.deps.config.testTimeoutMs = deadlineMs;
      const verdictsMs: number[] = [];
      const codes: string[] = [];
      for (let i = 0; i < runs; i++) {
        const s = now();
        const r = await test(hang.url);
        verdictsMs.push(round(now() - s, 1));
        codes.push(r.ok ? "OK" : r.error.code);
      }
      const worstMs = Math.max(...verdictsMs);
      timeout.push({ deadlineMs, verdictsMs, worstMs, worstRatio: round(worstMs / deadlineMs, 4), codes });
    }
  } finally {
    ds.deps.config.testTimeoutMs = configured;
    await hang.close();
  }

  // 3. integration.all (the measured user) while 100 slow connection tests are in flight the whole time,
  // each against its own upstream (a home lab's services are distinct hosts/ports; the outbound client
  // allows 64 connections per origin, see 4.).
  const slowDelayMs = 2_000;
  const inFlight = 100;
  const slow = await Promise.all(Array.from({ length: inFlight }, () => startArr({ app: "Sonarr", apiKey: KEY, delayMs: slowDelayMs })));
  let underLoad: ConnectionFigures["underLoad"];
  try {
    const idle = await measure(() => user.integration.all(), { budgetMs: 3000 });
    let stop = false;
    let testsCompleted = 0;
    let testsFailed = 0;
    const loops = slow.map(async (upstream) => {
      while (!stop) {
        const r = await test(upstream.url);
        if (r.ok) testsCompleted++;
        else testsFailed++;
      }
    });
    await sleep(300); // every test has sent its request and waits for the slow answer
    const samples: number[] = [];
    const t0 = now();
    while (now() - t0 < 4_000) {
      const s = now();
      await user.integration.all();
      samples.push(now() - s);
    }
    const loaded = summarize(samples, now() - t0);
    stop = true;
    await Promise.all(loops);
    underLoad = { slowDelayMs, inFlight, idle, loaded, ratioP50: round(loaded.p50 / idle.p50), testsCompleted, testsFailed };
  } finally {
    await Promise.all(slow.map((u) => u.close()));
  }

  // 4. The same 100 slow tests against ONE upstream origin, with the default deadline: the outbound agent
  // opens at most 64 connections per origin, so the others queue inside Patchbay and may hit the deadline.
  const one = await startArr({ app: "Sonarr", apiKey: KEY, delayMs: slowDelayMs });
  let sameOrigin: ConnectionFigures["sameOrigin"];
  try {
    const s = now();
    const verdicts = await Promise.all(Array.from({ length: inFlight }, () => test(one.url)));
    const codes: Record<string, number> = {};
    for (const v of verdicts) codes[v.ok ? "OK" : v.error.code] = (codes[v.ok ? "OK" : v.error.code] ?? 0) + 1;
    sameOrigin = { tests: inFlight, slowDelayMs, deadlineMs: ds.deps.config.testTimeoutMs, wallMs: round(now() - s, 0), codes, upstreamAvgConcurrent: 0 };
    sameOrigin.upstreamAvgConcurrent = avgConcurrent(one.requests.length, slowDelayMs, sameOrigin.wallMs);
  } finally {
    await one.close();
  }
  return { overhead, timeout, underLoad, sameOrigin };
}

/** Requests the upstream was serving at once, on average: requests × delay ÷ wall time. */
function avgConcurrent(requests: number, delayMs: number, wallMs: number): number {
  return round((requests * delayMs) / wallMs, 1);
}
