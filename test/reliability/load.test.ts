import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startProcess, tempDir, type ServerProcess } from "./helpers.js";

/**
 * Load: a mixed read/write workload at concurrency 64 over HTTP against a real `npm start` process on
 * SQLite, for RELIABILITY_LOAD_SECONDS (default 60). Every worker owns the integrations it creates, so the
 * last acknowledged write of each is known; at the end every acknowledged create, update, permission save
 * and delete must be visible through the API and in the database file, with 0 failed requests.
 */
const SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS || 60);
const CONCURRENCY = 64;
const KEY = "load-sonarr-key";

let server: ServerProcess;
let sonarr: ArrEmulator;
let dataDir: string;
const userIds: string[] = [];

beforeAll(async () => {
  dataDir = tempDir("patchbay-load-");
  [server, sonarr] = await Promise.all([startProcess(dataDir, { PATCHBAY_TEST_TIMEOUT_MS: "10000", LOG_LEVEL: "warn" }), startArr({ app: "Sonarr", apiKey: KEY })]);
  for (let i = 0; i < 5; i++) userIds.push((await server.client.user.create.mutate({ username: `loaduser${i}`, password: "load-password-1" })).id);
}, 120_000);

afterAll(async () => {
  await server?.proc.stop();
  await sonarr?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

type Level = "use" | "interact" | "full";
interface Owned {
  name: string;
  /** The last acknowledged user permission set (the admin's full row is always part of it). */
  perms: Map<string, Level>;
}

describe("load", () => {
  it(`${CONCURRENCY} concurrent clients of mixed reads and writes for ${SECONDS} s: 0 errors, no write lost`, async () => {
    const api = server.client;
    const adminId = (await api.auth.session.query())!.user.id;
    const owned: Map<string, Owned>[] = Array.from({ length: CONCURRENCY }, () => new Map());
    const deleted = new Set<string>();
    const errors: string[] = [];
    const counts: Record<string, number> = {};
    const latencies: number[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

    async function op(name: string, f: () => Promise<unknown>) {
      const t = performance.now();
      try {
        const r = await f();
        if (r && typeof r === "object" && "error" in r && (r as { error: unknown }).error) throw new Error(JSON.stringify((r as { error: unknown }).error));
        counts[name] = (counts[name] ?? 0) + 1;
      } catch (e) {
        errors.push(`${name}: ${String(e).slice(0, 300)}`);
      } finally {
        latencies.push(performance.now() - t);
      }
    }

    async function worker(w: number) {
      const mine = owned[w]!;
      let seq = 0;
      while (Date.now() < deadline) {
        const ids = [...mine.keys()];
        const r = Math.random();
        if (r < 0.15 || ids.length === 0) {
          const name = `w${w}-n${seq++}`;
          await op("create", async () => {
            const res = await api.integration.create.mutate({ name, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
            if ("id" in res) mine.set(res.id, { name, perms: new Map([[adminId, "full"]]) });
            return res;
          });
        } else if (r < 0.35) {
          const id = pick(ids);
          const name = `w${w}-u${seq++}`;
          await op("update", async () => {
            const res = await api.integration.update.mutate({ id, name, url: sonarr.url, secrets: [{ kind: "apiKey", value: null }] });
            if ("id" in res) mine.get(id)!.name = name;
            return res;
          });
        } else if (r < 0.45) {
          const id = pick(ids);
          const perms = new Map<string, Level>([[adminId, "full"]]);
          for (const u of userIds) if (Math.random() < 0.5) perms.set(u, pick<Level>(["use", "interact", "full"]));
          await op("savePermissions", async () => {
            await api.integration.saveUserIntegrationPermissions.mutate({ entityId: id, permissions: [...perms].map(([principalId, permission]) => ({ principalId, permission })) });
            mine.get(id)!.perms = perms;
          });
        } else if (r < 0.48 && ids.length > 3) {
          const id = pick(ids);
          await op("delete", async () => {
            await api.integration.delete.mutate({ id });
            mine.delete(id);
            deleted.add(id);
          });
        } else {
          const q = Math.random();
          if (q < 0.3) await op("all", () => api.integration.all.query());
          else if (q < 0.55) await op("byId", () => api.integration.byId.query({ id: pick(ids) }));
          else if (q < 0.7) await op("search", () => api.integration.search.query({ query: `w${w}-`, limit: 20 }));
          else if (q < 0.85) await op("getIntegrationPermissions", () => api.integration.getIntegrationPermissions.query({ id: pick(ids) }));
          else await op("allOfGivenCategory", () => api.integration.allOfGivenCategory.query({ category: "mediaCollection" }));
        }
      }
    }

    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    const elapsed = (Date.now() - started) / 1000;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]!.toFixed(1);
    console.log(
      `load: ${total} requests in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)} req/s), p50 ${pct(50)} ms, p99 ${pct(99)} ms, ` +
        `${errors.length} errors; ${JSON.stringify(counts)}`,
    );
    expect(errors.slice(0, 10)).toEqual([]);
    expect(errors.length).toBe(0);
    expect(counts.create).toBeGreaterThan(0);
    expect(counts.update).toBeGreaterThan(0);

    // Every acknowledged write is there: through the API…
    const expected = new Map<string, Owned>();
    for (const m of owned) for (const [id, o] of m) expected.set(id, o);
    const listed = await api.integration.all.query();
    expect(listed.length).toBe(expected.size);
    const byId = new Map(listed.map((i) => [i.id, i]));
    for (const [id, o] of expected) expect(byId.get(id)?.name, id).toBe(o.name);
    for (const id of deleted) expect(byId.has(id)).toBe(false);
    const sample = [...expected].sort(() => Math.random() - 0.5).slice(0, 200);
    for (const [id, o] of sample) {
      const perms = await api.integration.getIntegrationPermissions.query({ id });
      const got = new Map(perms.users.map((u) => [u.user.id, u.permission]));
      expect(got, id).toEqual(o.perms);
    }

    // …and in the database file, counted directly: one secret and the saved permission rows per integration.
    const db = new Database(path.join(dataDir, "patchbay.db"), { readonly: true, fileMustExist: true });
    try {
      const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(n("select count(*) as n from integrations")).toBe(expected.size);
      expect(n("select count(*) as n from integration_secrets")).toBe(expected.size);
      const permRows = [...expected.values()].reduce((a, o) => a + o.perms.size, 0);
      expect(n("select count(*) as n from integration_user_permissions")).toBe(permRows);
      const rows = db.prepare("select integration_id as id, user_id as userId, level from integration_user_permissions").all() as { id: string; userId: string; level: number }[];
      const levels = { use: 1, interact: 2, full: 3 } as const;
      for (const r of rows) expect(r.level, `${r.id}/${r.userId}`).toBe(levels[expected.get(r.id)!.perms.get(r.userId)!]);
      const names = db.prepare("select id, name from integrations").all() as { id: string; name: string }[];
      for (const r of names) expect(r.name).toBe(expected.get(r.id)!.name);
    } finally {
      db.close();
    }
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
  }, SECONDS * 1000 + 240_000);
});
