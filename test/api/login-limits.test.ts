import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTrustProxy, ConfigError } from "../../src/config.js";
import { LOGIN_WINDOW_MS, MAX_FAILURES_PER_ACCOUNT, MemoryLoginLimiter, RedisLoginLimiter, type LoginLimiter } from "../../src/auth/rate-limit.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { redisAvailable, startRedis } from "../helpers/redis.js";

/**
 * Login limiting that holds however the attempts arrive (issue: 40 concurrent wrong logins, a batch of ~450,
 * a new X-Forwarded-For per attempt). A password was evaluated exactly when the answer is 401 (wrong) or
 * 200 (right); a 429 is refused before the password is looked at (src/services/auth.ts).
 */

type Outcome = { status: number };
const tally = (outcomes: Outcome[]) => ({
  wrongEvaluated: outcomes.filter((o) => o.status === 401).length,
  succeeded: outcomes.filter((o) => o.status === 200).length,
  refused: outcomes.filter((o) => o.status === 429).length,
  other: outcomes.filter((o) => ![200, 401, 429].includes(o.status)).map((o) => o.status),
});

async function login(s: TestServer, username: string, password: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const res = await fetch(`${s.url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: { username, password } }),
  });
  await res.arrayBuffer();
  return { status: res.status };
}

/** One tRPC batch of `n` logins: the statuses of its items. */
async function batch(s: TestServer, n: number, username: string, password: (i: number) => string) {
  const paths = Array.from({ length: n }, () => "auth.login").join(",");
  const body = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: { username, password: password(i) } }]));
  const res = await fetch(`${s.url}/api/trpc/${paths}?batch=1`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, items: res.status === 400 ? [] : (JSON.parse(text) as { error?: { json: { data: { httpStatus: number } } } }[]).map((r) => ({ status: r.error ? r.error.json.data.httpStatus : 200 })) };
}

describe("login limits over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startPatchbay();
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it("40 concurrent wrong logins plus the right one: at most 10 wrong passwords are evaluated", async () => {
    const u = await s.user([], `conc_${Date.now()}`);
    const attempts = Array.from({ length: 40 }, (_, i) => login(s, u.username, `wrong-${i}`));
    attempts.splice(20, 0, login(s, u.username, `pw-${u.username}-secret`));
    const t = tally(await Promise.all(attempts));
    console.log(`[login attack] concurrent: ${t.wrongEvaluated} wrong passwords evaluated, ${t.succeeded} right, ${t.refused} refused with 429`);
    expect(t.other).toEqual([]);
    expect(t.wrongEvaluated).toBeLessThanOrEqual(MAX_FAILURES_PER_ACCOUNT);
    expect(t.wrongEvaluated + t.succeeded + t.refused).toBe(41);
    expect(t.refused).toBeGreaterThanOrEqual(30);
    // The window is full: even the right password is refused now.
    expect((await login(s, u.username, `pw-${u.username}-secret`)).status).toBe(429);
  });

  it("a batch of 450 is refused as a whole; each login inside an allowed batch counts", async () => {
    const u = await s.user([], `batch_${Date.now()}`);
    const huge = await batch(s, 450, u.username, (i) => `wrong-${i}`);
    expect(huge.status).toBe(400);
    expect(huge.text).not.toMatch(/wrong-/);
    const allowed = await batch(s, 50, u.username, (i) => `wrong-${i}`);
    const t = tally(allowed.items);
    console.log(`[login attack] batch of 50: ${t.wrongEvaluated} wrong passwords evaluated, ${t.refused} refused`);
    expect(allowed.items).toHaveLength(50);
    expect(t.wrongEvaluated).toBe(MAX_FAILURES_PER_ACCOUNT);
    expect(t.refused).toBe(40);
  });

  it("the batch limit holds for every procedure, not only logins", async () => {
    const paths = Array.from({ length: 51 }, () => "integration.getKinds").join(",");
    const res = await fetch(`${s.url}/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`);
    expect(res.status).toBe(400);
    const ok = await fetch(`${s.url}/api/trpc/${Array.from({ length: 50 }, () => "integration.getKinds").join(",")}?batch=1`);
    expect(ok.status).toBe(200);
  });

  it("a success does not clear other failures: the account window stays counted", async () => {
    const u = await s.user([], `succ_${Date.now()}`);
    for (let i = 0; i < 9; i++) expect((await login(s, u.username, "wrong")).status).toBe(401);
    expect((await login(s, u.username, `pw-${u.username}-secret`)).status).toBe(200);
    expect((await login(s, u.username, "wrong")).status).toBe(401);
    expect((await login(s, u.username, "wrong")).status).toBe(429);
  });
});

describe("per-account limit across client addresses (TRUST_PROXY)", () => {
  for (const trustProxy of [true, 1, ["127.0.0.1"]] as const) {
    it(`a new X-Forwarded-For per attempt does not bypass it (trustProxy ${JSON.stringify(trustProxy)})`, async () => {
      const s = await startPatchbay({ trustProxy: trustProxy as boolean | number | string[] });
      try {
        const u = await s.user([], `xff_${Date.now()}`);
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, (_, i) => login(s, u.username, `wrong-${i}`, { "x-forwarded-for": `203.0.113.${i + 1}` })),
        );
        const t = tally(outcomes);
        console.log(`[login attack] rotating X-Forwarded-For (${JSON.stringify(trustProxy)}): ${t.wrongEvaluated} wrong passwords evaluated, ${t.refused} refused`);
        expect(t.other).toEqual([]);
        expect(t.wrongEvaluated).toBe(MAX_FAILURES_PER_ACCOUNT);
        // Another account is not locked by it.
        expect((await login(s, "admin", "admin-password-1", { "x-forwarded-for": "203.0.113.200" })).status).toBe(200);
      } finally {
        await s.close();
      }
    });
  }
});

describe("TRUST_PROXY parsing", () => {
  it("accepts false, true (one hop), a hop count, or proxy addresses/CIDRs; refuses anything else", () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy("false")).toBe(false);
    expect(parseTrustProxy("true")).toBe(1);
    expect(parseTrustProxy("2")).toBe(2);
    expect(parseTrustProxy("10.0.0.1, 172.16.0.0/12,::1")).toEqual(["10.0.0.1", "172.16.0.0/12", "::1"]);
    for (const bad of ["yes", "10.0.0.0/33", "300.1.1.1", "11", "loopback,"]) expect(() => parseTrustProxy(bad), bad).toThrow(ConfigError);
  });
});

async function limiterContract(make: () => LoginLimiter | Promise<LoginLimiter>) {
  const limiter = await make();
  const user = `acct-${Math.random()}`;
  // 40 concurrent reservations for one account from 40 addresses: exactly 10 are granted.
  const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.reserve(`198.51.100.${i}`, user)));
  const granted = slots.filter((r) => r.attempt);
  expect(granted).toHaveLength(MAX_FAILURES_PER_ACCOUNT);
  for (const r of slots.filter((x) => !x.attempt)) {
    expect(r.retryAfterMs).toBeGreaterThan(0);
    expect(r.retryAfterMs).toBeLessThanOrEqual(LOGIN_WINDOW_MS);
  }
  // One of them succeeds: exactly one slot frees up, the other nine failures stay.
  await limiter.succeeded(granted[0]!.attempt!);
  const after = await Promise.all(Array.from({ length: 5 }, () => limiter.reserve("198.51.100.99", user)));
  expect(after.filter((r) => r.attempt)).toHaveLength(1);
}

describe("the limiter itself", () => {
  it("in memory: atomic reservations, a success frees only its own attempt", async () => {
    await limiterContract(() => new MemoryLoginLimiter());
  });

  it.runIf(redisAvailable())("on Redis: the same, with attempts spread over two instances", async () => {
    const redis = await startRedis();
    const { Redis } = await import("ioredis");
    const a = new Redis(redis.url);
    const b = new Redis(redis.url);
    try {
      const la = new RedisLoginLimiter(a);
      const lb = new RedisLoginLimiter(b);
      let i = 0;
      // Two instances sharing the windows: alternate between them.
      await limiterContract(() => ({
        reserve: (ip, u) => (i++ % 2 ? la : lb).reserve(ip, u),
        succeeded: (attempt) => lb.succeeded(attempt),
      }));
    } finally {
      a.disconnect();
      b.disconnect();
      await redis.stop();
    }
  });
});
