import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.js";
import { makeClient, type Client } from "../helpers/patchbay.js";
import { npmStart, waitHealthy, type RunningProcess } from "../helpers/process.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";

/** Shared pieces of the reliability suite (test/reliability/*.test.ts). */

export const ADMIN = { username: "admin", password: "admin-password-1" };

export interface RawAnswer {
  status: number;
  text: string;
  json: any;
}

/** One tRPC call as raw HTTP (superjson envelope), so nothing reshapes the input on the way. */
export async function rawTrpc(baseUrl: string, apiKey: string, procedure: string, type: "query" | "mutation", input: unknown): Promise<RawAnswer> {
  const headers: Record<string, string> = { ApiKey: apiKey };
  let res: Response;
  if (type === "query") {
    const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
    res = await fetch(`${baseUrl}/api/trpc/${procedure}${qs}`, { headers });
  } else {
    res = await fetch(`${baseUrl}/api/trpc/${procedure}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: input === undefined ? undefined : JSON.stringify({ json: input }),
    });
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/**
 * A fingerprint of everything stored: every row of every table, sorted, hashed. `api_keys.last_used_at` and
 * `sessions.last_seen_at` are left out: resolving a key or session touches them (throttled) on any request,
 * accepted or not, by design.
 */
export async function dbFingerprint(db: Kysely<Database>, ignore: readonly string[] = []): Promise<{ hash: string; counts: Record<string, number> }> {
  const tables = (await db.introspection.getTables()).map((t) => t.name).filter((t) => !ignore.includes(t)).sort();
  const h = crypto.createHash("sha256");
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const rows = (await db.selectFrom(t as never).selectAll().execute()) as Record<string, unknown>[];
    counts[t] = rows.length;
    const lines = rows
      .map((r) => {
        const copy = { ...r };
        if (t === "api_keys" || t === "apiKeys") delete copy.lastUsedAt;
        if (t === "sessions") delete copy.lastSeenAt; // likewise for a session (at most once a minute)
        return JSON.stringify(copy, Object.keys(copy).sort());
      })
      .sort();
    h.update(t).update("\0").update(lines.join("\n")).update("\0");
  }
  return { hash: h.digest("hex"), counts };
}

/**
 * Tables that record what happened rather than hold data a request changes: a refused request may add to them
 * (a failed login or a refused control action is audited; a failed connection test of a stored integration
 * updates its health), and must still change nothing else.
 */
export const RECORD_TABLES = ["audit_log", "integration_health", "health_events", "health_hourly", "health_leases", "notification_deliveries"] as const;

/** Logs in over HTTP and creates an API key; returns the token. */
export async function apiKeyFor(baseUrl: string, username = ADMIN.username, password = ADMIN.password): Promise<string> {
  const res = await fetch(`${baseUrl}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username, password } }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const key = await makeClient(baseUrl, { cookie }).auth.createApiKey.mutate({ name: `reliability-${Date.now()}` });
  return key.token;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ServerProcess {
  proc: RunningProcess;
  url: string;
  apiKey: string;
  client: Client;
  dataDir: string;
}

/**
 * `npm start` as a real process group on SQLite in `dataDir` (key file there too), with the first admin
 * created from the environment. Never points at a server database: this suite proves the default setup.
 */
export async function startProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const proc = await npmStart({
    PATCHBAY_DATA_DIR: dataDir,
    PATCHBAY_ADMIN_USERNAME: ADMIN.username,
    PATCHBAY_ADMIN_PASSWORD: ADMIN.password,
    DATABASE_URL: "",
    SECRET_ENCRYPTION_KEY: "",
    SECRET_ENCRYPTION_KEY_FILE: "",
    REDIS_URL: "",
    ...env,
  });
  try {
    await waitHealthy(proc, 60_000);
    const apiKey = await apiKeyFor(proc.url);
    return { proc, url: proc.url, apiKey, client: makeClient(proc.url, { ApiKey: apiKey }, false), dataDir };
  } catch (e) {
    await proc.stop();
    throw e;
  }
}

/** kill -9 of the whole process group (npm, its shell and the node server). */
export async function killHard(p: RunningProcess): Promise<void> {
  try {
    process.kill(-p.child.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
  await p.exited;
}

/**
 * The pid of the node process that serves, inside the process group of `npm start` (node running the bundle
 * build/server/main.js; under tsx, a child node process naming src/main.ts): the innermost such process.
 */
export function serverPid(p: RunningProcess): number | undefined {
  const group = p.child.pid!;
  const candidates = new Map<number, number>(); // pid → ppid
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== group) continue; // pgrp
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      // npm start runs the bundled server (build/server/main.js); `patchbay serve` / dev run src/main.ts.
      if (/build\/server\/main\.js|src\/main\.ts/.test(cmd) && /node/.test(cmd.split("\0")[0] ?? "")) candidates.set(Number(entry), Number(fields[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const parents = new Set(candidates.values());
  return [...candidates.keys()].find((pid) => !parents.has(pid));
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

/** A minimal qBittorrent Web API: login with username + password sets a SID cookie, version needs it. */
export async function startFakeQbittorrent(username: string, password: string): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    if (req.url === "/api/v2/auth/login") {
      const form = new URLSearchParams(req.body);
      const ok = form.get("username") === username && form.get("password") === password;
      res.writeHead(200, ok ? { "set-cookie": "SID=abc; HttpOnly; path=/" } : {});
      return void res.end(ok ? "Ok." : "Fails.");
    }
    if (req.url === "/api/v2/app/version") return void res.writeHead(req.headers.cookie?.includes("SID=abc") ? 200 : 403).end("v4.6.0");
    if (req.url === "/api/v2/auth/logout") return void res.writeHead(200).end();
    res.writeHead(404).end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
