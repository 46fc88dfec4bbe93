import { describe, expect, it } from "vitest";
import { DnsHoleSummary } from "../../engine/capabilities.js";
import type { TestContext } from "../../engine/types.js";
import { closedAfterAll, errorOf, runCapability, valueOf } from "../testing/home-family.js";
import { expectNoSecret } from "../testing/kind-helpers.js";
import { piholeV5Token, startPihole, type PiholeEmulator, type PiholeOptions } from "./emulator.js";
import pihole from "./index.js";

/**
 * The dnsHole capability of Pi-hole, called directly (as the capability service does, through withContext)
 * against every emulated release of the matrix: v5 before and after web v5.18 (status and summary needed no token
 * before), v6.0 and the newest v6 API.
 */
const PASSWORD = "v6-web-password-Tr0ub4dor&3";
const V5_PASSWORD = "v5-web-password-correct-horse";
const V5_TOKEN = piholeV5Token(V5_PASSWORD);
const dns = pihole.capabilities!.dnsHole!;
const start = closedAfterAll(startPihole);

const releases: { label: string; opts: Omit<PiholeOptions, "failData" | "malformed" | "ftlDown">; key: string; wrong: string }[] = [
  { label: "v5.0 (web v5.0)", opts: { version: 5, password: V5_PASSWORD, coreVersion: "v5.0", webVersion: "v5.0" }, key: V5_TOKEN, wrong: piholeV5Token("nope") },
  { label: "v5.18.3 (web v5.21)", opts: { version: 5, password: V5_PASSWORD, coreVersion: "v5.18.3", webVersion: "v5.21" }, key: V5_TOKEN, wrong: piholeV5Token("nope") },
  { label: "v6.0", opts: { version: 6, password: PASSWORD, coreVersion: "v6.0" }, key: PASSWORD, wrong: "wrong-password-xyz" },
  { label: "v6.4.1", opts: { version: 6, password: PASSWORD, coreVersion: "v6.4.1" }, key: PASSWORD, wrong: "wrong-password-xyz" },
];

for (const r of releases) {
  describe(`pihole ${r.label}: dnsHole`, () => {
    const run = <T>(e: PiholeEmulator, fn: (ctx: TestContext) => Promise<T>, key = r.key) => runCapability(pihole, e.url, { apiKey: key }, fn);
    const noSessionLeft = (e: PiholeEmulator) => {
      if (r.opts.version === 6) expect(e.openSessions()).toBe(0);
    };

    it("summary maps the counters and the blocking status (contract shape)", async () => {
      const e = await start(r.opts);
      const s = valueOf(await run(e, (ctx) => dns.summary(ctx)));
      expect(DnsHoleSummary.parse(s)).toEqual(s);
      expect(s).toEqual({ status: "enabled", disabledUntil: null, queriesToday: 4242, blockedToday: 42, blockedPercentage: (100 * 42) / 4242, domainsOnBlocklist: 123456 });
      expectNoSecret(s, [r.key]);
      noSessionLeft(e);
      // v6: one login and one logout for the two reads of one call.
      if (r.opts.version === 6) expect(e.stats).toMatchObject({ created: 1, deleted: 1 });
    });

    it("disable for a duration, then enable: the server's own state follows, the summary shows it", async () => {
      const e = await start(r.opts);
      valueOf(await run(e, (ctx) => dns.disable(ctx, { durationSeconds: 120 })));
      const b = e.blocking();
      expect(b.enabled).toBe(false);
      expect(b.until! - Date.now()).toBeGreaterThan(110_000);
      expect(b.until! - Date.now()).toBeLessThanOrEqual(120_000);
      const s = valueOf(await run(e, (ctx) => dns.summary(ctx)));
      expect(s.status).toBe("disabled");
      if (r.opts.version === 6) {
        // v6 publishes the timer: disabledUntil is about two minutes ahead.
        expect(Math.abs(s.disabledUntil!.getTime() - b.until!)).toBeLessThan(2_000);
      } else {
        // v5's API does not publish it (see capabilities.ts).
        expect(s.disabledUntil).toBeNull();
      }
      valueOf(await run(e, (ctx) => dns.enable(ctx)));
      expect(e.blocking()).toEqual({ enabled: true, until: null });
      expect(valueOf(await run(e, (ctx) => dns.summary(ctx))).status).toBe("enabled");
      noSessionLeft(e);
    });

    it("disable without a duration is until enabled again", async () => {
      const e = await start(r.opts);
      valueOf(await run(e, (ctx) => dns.disable(ctx, {})));
      expect(e.blocking()).toEqual({ enabled: false, until: null });
      const s = valueOf(await run(e, (ctx) => dns.summary(ctx)));
      expect(s).toMatchObject({ status: "disabled", disabledUntil: null });
      noSessionLeft(e);
    });

    it("a wrong credential is INVALID_CREDENTIALS for reads and actions, and changes nothing", async () => {
      const e = await start(r.opts);
      const calls: ((ctx: TestContext) => Promise<unknown>)[] = [(ctx) => dns.summary(ctx), (ctx) => dns.disable(ctx, { durationSeconds: 30 }), (ctx) => dns.enable(ctx)];
      for (const fn of calls) {
        const err = errorOf(await run(e, fn, r.wrong));
        expect(err.code, err.message).toBe("INVALID_CREDENTIALS");
        expectNoSecret(err, [r.key, r.wrong]);
      }
      expect(e.blocking()).toEqual({ enabled: true, until: null });
      noSessionLeft(e);
    });

    it("a failing upstream (HTTP 500) is HTTP_ERROR and a malformed answer UNEXPECTED_RESPONSE; sessions are still closed", async () => {
      const failing = await start({ ...r.opts, failData: 500 });
      expect(errorOf(await run(failing, (ctx) => dns.summary(ctx))).code).toBe("HTTP_ERROR");
      expect(errorOf(await run(failing, (ctx) => dns.disable(ctx, {}))).code).toBe("HTTP_ERROR");
      noSessionLeft(failing);
      const malformed = await start({ ...r.opts, malformed: true });
      const err = errorOf(await run(malformed, (ctx) => dns.summary(ctx)));
      expect(err.code).toBe("UNEXPECTED_RESPONSE");
      expect(err.details?.path).toBeTruthy();
      noSessionLeft(malformed);
    });
  });
}

describe("pihole v5 specifics", () => {
  it("before web v5.18 the summary needs no token, so the token is proven through getCacheInfo", async () => {
    const e = await start({ version: 5, password: V5_PASSWORD, webVersion: "v5.0" });
    // The old server itself answers the summary to a wrong token …
    const raw = (await (await fetch(`${e.url}/admin/api.php?summaryRaw&auth=${piholeV5Token("nope")}`)).json()) as Record<string, unknown>;
    expect(raw.dns_queries_today).toBe(4242);
    // … Patchbay still says the token is wrong.
    expect(errorOf(await runCapability(pihole, e.url, { apiKey: piholeV5Token("nope") }, (ctx) => dns.summary(ctx))).code).toBe("INVALID_CREDENTIALS");
    const sent = e.requests.filter((q) => q.url.includes("summaryRaw")).at(-1)!;
    expect(sent.url).toMatch(/getCacheInfo/);
  });

  it("FTL not running is HTTP_ERROR saying so", async () => {
    const e = await start({ version: 5, password: V5_PASSWORD, ftlDown: true });
    const err = errorOf(await runCapability(pihole, e.url, { apiKey: V5_TOKEN }, (ctx) => dns.summary(ctx)));
    expect(err.code).toBe("HTTP_ERROR");
    expect(err.message).toMatch(/pihole-FTL/);
  });

  it("a v5 Pi-hole without a password works with no secret", async () => {
    const e = await start({ version: 5 });
    valueOf(await runCapability(pihole, e.url, {}, (ctx) => dns.disable(ctx, { durationSeconds: 5 })));
    expect(e.blocking().enabled).toBe(false);
    expect(e.requests.at(-1)!.url).not.toMatch(/auth=/);
  });
});

describe("pihole v6 sessions", () => {
  it("a v6 Pi-hole without a password needs no login at all", async () => {
    const e = await start({ version: 6 });
    expect(valueOf(await runCapability(pihole, e.url, {}, (ctx) => dns.summary(ctx))).queriesToday).toBe(4242);
    valueOf(await runCapability(pihole, e.url, {}, (ctx) => dns.disable(ctx, { durationSeconds: 10 })));
    expect(e.blocking().enabled).toBe(false);
    expect(e.stats.created).toBe(0);
  });

  it("all seats taken by others: HTTP_ERROR naming the seat limit", async () => {
    const e = await start({ version: 6, password: PASSWORD, maxSessions: 2 });
    e.occupySeat();
    e.occupySeat();
    const err = errorOf(await runCapability(pihole, e.url, { apiKey: PASSWORD }, (ctx) => dns.summary(ctx)));
    expect(err).toMatchObject({ code: "HTTP_ERROR", details: { statusCode: 429, reason: "api_seats_exceeded" } });
    expect(e.openSessions()).toBe(2);
  });

  it("many concurrent calls never take more than two seats, all succeed, and every session is closed", async () => {
    const e = await start({ version: 6, password: PASSWORD, maxSessions: 3 });
    e.occupySeat(); // a browser that stays logged in
    const calls = Array.from({ length: 8 }, (_, i) =>
      runCapability(pihole, e.url, { apiKey: PASSWORD }, (ctx): Promise<unknown> => (i % 2 ? dns.summary(ctx) : dns.disable(ctx, { durationSeconds: 60 }))),
    );
    for (const r of await Promise.all(calls)) valueOf(r);
    expect(e.stats.created).toBe(9);
    expect(e.stats.peakSessions).toBeLessThanOrEqual(3);
    expect(e.openSessions()).toBe(1);
  });

  it("concurrent calls with seats to spare still take turns: at most two sessions at a time, none left open", async () => {
    const e = await start({ version: 6, password: PASSWORD, maxSessions: 5 });
    const calls = Array.from({ length: 6 }, () => runCapability(pihole, e.url, { apiKey: PASSWORD }, (ctx) => dns.summary(ctx), 3_000));
    const results = await Promise.all(calls);
    expect(results.every((r) => r.ok)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(e.openSessions()).toBe(0);
    expect(e.stats.peakSessions).toBeLessThanOrEqual(2);
  });

  it("a call whose deadline passes while it waits for its turn is TIMEOUT; the turns and seats are all given back", async () => {
    const e = await start({ version: 6, password: PASSWORD, maxSessions: 5, summaryDelayMs: 1_500 });
    const slow = [1, 2].map(() => runCapability(pihole, e.url, { apiKey: PASSWORD }, (ctx) => dns.summary(ctx), 5_000));
    await new Promise((r) => setTimeout(r, 200)); // both slow calls hold a turn now
    const waiting = errorOf(await runCapability(pihole, e.url, { apiKey: PASSWORD }, (ctx) => dns.summary(ctx), 500));
    expect(waiting.code).toBe("TIMEOUT");
    for (const r of await Promise.all(slow)) valueOf(r);
    await new Promise((r) => setTimeout(r, 100));
    expect(e.openSessions()).toBe(0);
    expect(e.stats.peakSessions).toBe(2);
    // Nothing is stuck: the next call gets a turn at once.
    valueOf(await runCapability(pihole, e.url, { apiKey: PASSWORD }, (ctx) => dns.disable(ctx, {}), 3_000));
    expect(e.openSessions()).toBe(0);
  });
});
