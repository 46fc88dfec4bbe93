import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/api/root.js";
import { freshDatabase } from "../helpers/database.js";
import { npmStart, waitHealthy, type RunningProcess } from "../helpers/process.js";
import { redisAvailable, startRedis } from "../helpers/redis.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { selfSignedCert, startHttpsSonarr } from "../../src/kinds/testing/tls.js";

/**
 * Two Patchbay processes on one PostgreSQL (and one Redis): a session made on A works on B, an API key
 * made on B works on A, failed logins count across both, a certificate trusted on A is trusted by B.
 */
const PG_URL = process.env.PG_URL;
if (!PG_URL) console.warn("\n*** SKIPPED: multi-instance tests need PG_URL (bash scripts/pg-start.sh → postgres://ptest@127.0.0.1:55432/ptest) ***\n");
const hasRedis = Boolean(PG_URL) && redisAvailable();

describe.skipIf(!PG_URL || !hasRedis)("several instances on one PostgreSQL", () => {
  let a: RunningProcess;
  let b: RunningProcess;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let sonarr: ArrEmulator;
  const dirs: string[] = [];

  beforeAll(async () => {
    [db, redis, sonarr] = await Promise.all([freshDatabase(PG_URL), startRedis(), startArr({ app: "Sonarr", apiKey: "multi-key" })]);
    const env = (name: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pb-${name}-`));
      dirs.push(dir);
      return {
        DATABASE_URL: db.url!,
        REDIS_URL: redis.url,
        PATCHBAY_DATA_DIR: dir,
        SECRET_ENCRYPTION_KEY: "5f".repeat(32),
        PATCHBAY_ADMIN_USERNAME: "admin",
        PATCHBAY_ADMIN_PASSWORD: "admin-password-1",
      };
    };
    // Started at the same moment on an empty database: migrations, key marker and first admin race.
    [a, b] = await Promise.all([npmStart(env("a")), npmStart(env("b"))]);
    await Promise.all([waitHealthy(a), waitHealthy(b)]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([db?.drop(), redis?.stop(), sonarr?.close()]);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const client = (url: string, headers: Record<string, string>) =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson, headers })] });
  const login = (url: string, username: string, password: string) =>
    fetch(`${url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username, password } }) });

  it("both started on the same empty database; exactly one admin exists", async () => {
    const res = await login(a.url, "admin", "admin-password-1");
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const users = await client(b.url, { cookie }).user.list.query();
    expect(users.filter((u) => u.username === "admin")).toHaveLength(1);
  });

  it("log in on A, call B; an API key made on B works on A", async () => {
    const cookie = (await login(a.url, "admin", "admin-password-1")).headers.get("set-cookie")!.split(";")[0]!;
    const onB = client(b.url, { cookie });
    expect((await onB.auth.session.query())?.user.username).toBe("admin");
    const { token } = await onB.auth.createApiKey.mutate({ name: "from-b" });
    const onA = client(a.url, { ApiKey: token });
    const created = await onA.integration.create.mutate({ name: "Shared", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "multi-key" }] });
    expect(created).toEqual({ id: expect.any(String) });
    // Written by A, read and tested by B (same key decrypts).
    expect(await client(b.url, { ApiKey: token }).integration.testConnection.mutate({ id: (created as { id: string }).id })).toMatchObject({ ok: true });
    await onB.auth.logout.mutate();
    expect(await client(a.url, { cookie }).auth.session.query()).toBeNull();
  });

  it("failed logins count across instances (Redis)", async () => {
    const { token } = await client(a.url, { cookie: (await login(a.url, "admin", "admin-password-1")).headers.get("set-cookie")!.split(";")[0]! }).auth.createApiKey.mutate({ name: "k" });
    await client(a.url, { ApiKey: token }).user.create.mutate({ username: "victim", password: "victim-password" });
    for (let i = 0; i < 10; i++) {
      const res = await login(i % 2 ? a.url : b.url, "victim", "wrong-password");
      expect(res.status).toBe(401);
    }
    // The 11th attempt, even with the right password, is refused on both.
    expect((await login(a.url, "victim", "victim-password")).status).toBe(429);
    expect((await login(b.url, "victim", "victim-password")).status).toBe(429);
  });

  it("a certificate trusted on A is trusted by B", async () => {
    const cookie = (await login(a.url, "admin", "admin-password-1")).headers.get("set-cookie")!.split(";")[0]!;
    const { token } = await client(a.url, { cookie }).auth.createApiKey.mutate({ name: "tls" });
    const onA = client(a.url, { ApiKey: token });
    const onB = client(b.url, { ApiKey: token });
    const https = await startHttpsSonarr(selfSignedCert({ cn: "nas.lan", san: "DNS:nas.lan" }), "tls-key");
    try {
      const input = { kind: "sonarr", url: https.url, secrets: [{ kind: "apiKey" as const, value: "tls-key" }] };
      const before = await onB.integration.testConnection.mutate(input);
      expect(!before.ok && before.error.code).toBe("CERTIFICATE_ERROR");
      await onA.certificate.trust.mutate({ pem: (!before.ok && before.error.certificate!.pem) || "" });
      expect(await onB.integration.testConnection.mutate(input)).toMatchObject({ ok: true });
    } finally {
      await https.close();
    }
  });
});
