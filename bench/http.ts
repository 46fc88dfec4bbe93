import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { freePort, waitHealthy as waitHealthyAt } from "../src/testing/net.js";

import { round, sleep } from "./stats.js";

const ROOT = path.resolve(import.meta.dirname, "..");

/** How the server process is started: npm start's own command without npm (the bundle its prestart builds). */
export const SERVER_COMMAND = ["--max-semi-space-size=2", "--heap-growing-percent=50", "build/server/main.js"];

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** Resident set size of one process, in MB (VmRSS from /proc). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** RSS of a process and all its descendants, in MB (npm → sh → tsx → node trees). */
export function treeRssMb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone */
    }
  }
  let total = 0;
  const visit = (p: number) => {
    try {
      total += rssMb(p);
    } catch {
      /* gone */
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return total;
}

export async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 60_000, pollMs = 10): Promise<void> {
  await waitHealthyAt(url, { timeoutMs, pollMs, gone: () => (child.exitCode !== null ? `server exited with ${child.exitCode}` : undefined) });
}

/**
 * Starts the real server on a data dir; its log (LOG_LEVEL info by default, as in production) goes to a file.
 * nodeArgs go before npm start's own flags (the health bench preloads its memory probe that way).
 */
export async function startServerProcess(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  ensureServerBuilt();
  const port = await freePort();
  const logFile = path.join(dataDir, "server.log");
  const fd = fs.openSync(logFile, "a");
  const child = spawn(process.execPath, [...nodeArgs, ...(process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []), ...SERVER_COMMAND], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), PATCHBAY_DATA_DIR: dataDir, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", fd, fd],
  });
  fs.closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    await waitHealthy(url, child);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${(e as Error).message}\n${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
  }
  return {
    url,
    pid: child.pid!,
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

export interface HttpRequest {
  method?: "GET" | "POST";
  path: string;
  body?: string;
}

export interface HttpResult {
  p50: number;
  p99: number;
  mean: number;
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  connections: number;
  durationS: number;
}

/** tRPC over HTTP without a client: GET for queries (input in the query string), POST for mutations. */
export function trpcQuery(proc: string, input?: unknown): HttpRequest {
  const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  return { method: "GET", path: `/api/trpc/${proc}${q}` };
}

export function trpcMutation(proc: string, input: unknown): HttpRequest {
  return { method: "POST", path: `/api/trpc/${proc}`, body: JSON.stringify({ json: input }) };
}

/**
 * autocannon on loopback. Latencies come from autocannon's per-response times (sub-millisecond, its own
 * histogram rounds to whole ms); req/s is 2xx responses over the run time. Requests cycle through the list.
 */
export async function load(url: string, apiKey: string, requests: HttpRequest[], opts: { durationS?: number; connections?: number } = {}): Promise<HttpResult> {
  const durationS = opts.durationS ?? 5;
  const connections = opts.connections ?? 10;
  const latencies: number[] = [];
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    duration: durationS,
    headers: { apikey: apiKey, "content-type": "application/json" },
    requests: requests.map((r) => ({ method: r.method ?? "GET", path: r.path, ...(r.body ? { body: r.body } : {}) })),
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status < 300) latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? NaN;
  const ok = result["2xx"];
  return {
    p50: round(at(50)),
    p99: round(at(99)),
    mean: round(latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1)),
    rps: round(ok / result.duration, 0),
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    connections,
    durationS: result.duration,
  };
}

/** npm start's prestart bundles the server when src/ changed; do the same before timing a start. */
export function ensureServerBuilt(): void {
  const r = spawnSync(process.execPath, ["scripts/build-server.mjs"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("building the server bundle failed");
}
