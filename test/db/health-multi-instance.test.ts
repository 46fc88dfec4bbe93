import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/api/root.js";
import { openDatabase, type Db } from "../../src/db/index.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { claimCheck } from "../../src/services/health.js";
import { freshDatabase } from "../helpers/database.js";
import { npmStart, waitHealthy, type RunningProcess } from "../helpers/process.js";

/**
 * Two Patchbay processes (`npm start`) on one PostgreSQL and on one MariaDB, both running the health monitor
 * with a 2 s interval: every integration is checked once per interval in total — counted at the upstream,
 * one Sonarr emulator per integration — and both instances take part (the lease owners seen over the run).
 */
const targets: [string, string | undefined][] = [
  ["PostgreSQL", process.env.PG_URL],
  ["MariaDB", process.env.MYSQL_URL],
];
for (const [name, url] of targets) {
  if (url) continue;
  const reason = `set ${name === "PostgreSQL" ? "PG_URL" : "MYSQL_URL"} (scripts/*-start.sh)`;
  console.warn(`\n*** SKIPPED: health multi-instance test on ${name}: ${reason} ***\n`);
  // Counted as skipped (vitest also refuses a file without any suite).
  describe.skip(`health checks with two instances on ${name} (${reason})`, () => it("each integration is checked once per interval in total", () => undefined));
}

const INTERVAL_S = 2;
const COUNT = 6;
const WINDOW_MS = 10_000;
const KEY = "multi-health-key-000111";

describe.each(targets.filter(([, url]) => url))("health checks with two instances on %s", (_name, serverUrl) => {
  let a: RunningProcess;
  let b: RunningProcess;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let direct: Db;
  const upstreams: ArrEmulator[] = [];
  const dirs: string[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase(serverUrl);
    for (let i = 0; i < COUNT; i++) upstreams.push(await startArr({ app: "Sonarr", apiKey: KEY }));
    const env = (n: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pb-health-${n}-`));
      dirs.push(dir);
      return {
        DATABASE_URL: db.url!,
        PATCHBAY_DATA_DIR: dir,
        SECRET_ENCRYPTION_KEY: "6a".repeat(32),
        PATCHBAY_ADMIN_USERNAME: "admin",
        PATCHBAY_ADMIN_PASSWORD: "admin-password-1",
        PATCHBAY_HEALTH_INTERVAL_S: String(INTERVAL_S),
      };
    };
    [a, b] = await Promise.all([npmStart(env("a")), npmStart(env("b"))]);
    await Promise.all([waitHealthy(a, 60_000), waitHealthy(b, 60_000)]);
    const login = await fetch(`${a.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username: "admin", password: "admin-password-1" } }) });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const api = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${a.url}/api/trpc`, transformer: superjson, headers: { cookie } })] });
    for (let i = 0; i < COUNT; i++) {
      const r = (await api.integration.create.mutate({ name: `Sonarr ${i}`, kind: "sonarr", url: upstreams[i]!.url, secrets: [{ kind: "apiKey", value: KEY }] })) as { id: string };
      ids.push(r.id);
    }
    direct = (await openDatabase(db.url, os.tmpdir())).db;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await direct?.destroy();
    await Promise.all([db?.drop(), ...upstreams.map((u) => u.close())]);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const checks = (u: ArrEmulator) => u.requests.filter((r) => r.url.startsWith("/api/v3/system/status")).length;

  it("each integration is checked once per interval in total, by either instance", async () => {
    // Every integration got its first background check (spread over one interval, seeded within 10 s).
    const firstBy = Date.now() + 30_000;
    while ((await direct.selectFrom("integrationHealth").select("integrationId").execute()).length < COUNT) {
      if (Date.now() > firstBy) throw new Error("not every integration was checked");
      await new Promise((r) => setTimeout(r, 200));
    }
    const before = upstreams.map(checks);
    const owners = new Set<string>();
    const end = Date.now() + WINDOW_MS;
    while (Date.now() < end) {
      for (const l of await direct.selectFrom("healthLeases").select("owner").execute()) if (l.owner) owners.add(l.owner);
      await new Promise((r) => setTimeout(r, 150));
    }
    const counts = upstreams.map((u, i) => checks(u) - before[i]!);
    // 10 s at one check per 2–2.2 s (+ a tick): 4 or 5, at most 6 at the edges; a double check would be 8–10.
    for (const n of counts) {
      expect(n, `checks per integration: ${counts.join(", ")}`).toBeGreaterThanOrEqual(3);
      expect(n, `checks per integration: ${counts.join(", ")}`).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / (INTERVAL_S * 1000)) + 1);
    }
    // Both instances did part of the work.
    expect(owners.size).toBe(2);
    const rows = await direct.selectFrom("integrationHealth").select(["integrationId", "status"]).execute();
    expect(rows.map((r) => r.status)).toEqual(Array(COUNT).fill("ok"));
  }, 90_000);

  it("the lease: 40 claims at once from two connection pools (two instances), exactly one wins", async () => {
    const other = (await openDatabase(db.url, os.tmpdir())).db;
    try {
      const id = ids[0]!;
      for (let round = 0; round < 5; round++) {
        const now = Date.now() + 3_600_000 * (round + 1); // due for everyone, later than any scheduler's own claim
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => claimCheck(i % 2 ? other : direct, id, now, now + 1_000, `claimer-${i}`)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    } finally {
      await other.destroy();
    }
  }, 30_000);
});
