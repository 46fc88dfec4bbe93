import { describe, expect, it } from "vitest";
import { DnsHoleSummary } from "../../engine/capabilities.js";
import type { TestContext } from "../../engine/types.js";
import { closedAfterAll, errorOf, runCapability, valueOf } from "../testing/home-family.js";
import { expectNoSecret } from "../testing/kind-helpers.js";
import { startAdGuardHome, type AdGuardEmulator, type AdGuardOptions } from "./emulator.js";
import adguard from "./index.js";

/**
 * The dnsHole capability of AdGuard Home, called directly (as the capability service does) against the emulated
 * oldest supported release (v0.107.0: protection only through dns_config, no pause) and the newest stable one
 * (v0.107.79: POST /control/protection with a duration).
 */
const USER = "admin";
const PASSWORD = "agh-password-Zq7#kL2";
const WRONG = "agh-wrong-password-55";
const dns = adguard.capabilities!.dnsHole!;
const start = closedAfterAll((opts: AdGuardOptions) => startAdGuardHome({ users: [{ name: USER, password: PASSWORD }], ...opts }));
const run = <T>(e: AdGuardEmulator, fn: (ctx: TestContext) => Promise<T>, password = PASSWORD) =>
  runCapability(adguard, e.url, { username: USER, password }, fn);

const EXPECTED = { status: "enabled", disabledUntil: null, queriesToday: 5000, blockedToday: 750, blockedPercentage: 15, domainsOnBlocklist: 66500 };

for (const version of ["v0.107.0", "v0.107.79"]) {
  describe(`adguardHome ${version}: dnsHole`, () => {
    it("summary: counters from /control/stats, the enabled lists' rules, the protection state", async () => {
      const e = await start({ version });
      const s = valueOf(await run(e, (ctx) => dns.summary(ctx)));
      expect(DnsHoleSummary.parse(s)).toEqual(s);
      expect(s).toEqual(EXPECTED);
      expectNoSecret(s, [PASSWORD]);
    });

    it("disable until enabled, then enable: the server's own state follows", async () => {
      const e = await start({ version });
      valueOf(await run(e, (ctx) => dns.disable(ctx, {})));
      expect(e.protection()).toEqual({ enabled: false, until: null });
      expect(valueOf(await run(e, (ctx) => dns.summary(ctx)))).toMatchObject({ status: "disabled", disabledUntil: null });
      valueOf(await run(e, (ctx) => dns.enable(ctx)));
      expect(e.protection()).toEqual({ enabled: true, until: null });
      // The endpoint of the release was used.
      const posts = e.requests.filter((r) => r.method === "POST").map((r) => r.url);
      expect(posts).toEqual(version === "v0.107.0" ? ["/control/dns_config", "/control/dns_config"] : ["/control/protection", "/control/protection"]);
    });

    it("a wrong password is INVALID_CREDENTIALS for reads and actions, and changes nothing", async () => {
      const e = await start({ version });
      const calls: ((ctx: TestContext) => Promise<unknown>)[] = [(ctx) => dns.summary(ctx), (ctx) => dns.disable(ctx, {}), (ctx) => dns.enable(ctx)];
      for (const fn of calls) {
        const err = errorOf(await run(e, fn, WRONG));
        expect(err.code).toBe("INVALID_CREDENTIALS");
        expect(err.message).toMatch(/username or password/);
        expectNoSecret(err, [PASSWORD, WRONG]);
      }
      expect(e.protection().enabled).toBe(true);
    });

    it("HTTP 500 is HTTP_ERROR, a malformed answer UNEXPECTED_RESPONSE naming the field", async () => {
      expect(errorOf(await run(await start({ version, failData: 500 }), (ctx) => dns.summary(ctx))).code).toBe("HTTP_ERROR");
      const err = errorOf(await run(await start({ version, malformed: true }), (ctx) => dns.summary(ctx)));
      expect(err.code).toBe("UNEXPECTED_RESPONSE");
      expect(err.details?.path).toMatch(/num_dns_queries|filters/);
    });

    it("a server that accepts the change but does not apply it: the action is not reported as done", async () => {
      const e = await start({ version, ignoreChanges: true });
      const err = errorOf(await run(e, (ctx) => dns.disable(ctx, {})));
      expect(err.code).toBe("UNEXPECTED_RESPONSE");
      expect(err.message).toMatch(/did not confirm/);
    });
  });
}

describe("adguardHome: timed disable", () => {
  it("v0.107.79: pauses protection for the duration (sent in milliseconds); the summary says until when", async () => {
    const e = await start({ version: "v0.107.79" });
    valueOf(await run(e, (ctx) => dns.disable(ctx, { durationSeconds: 90 })));
    const post = e.requests.find((r) => r.url === "/control/protection")!;
    expect(JSON.parse(post.body)).toEqual({ enabled: false, duration: 90_000 });
    const p = e.protection();
    expect(p.enabled).toBe(false);
    const s = valueOf(await run(e, (ctx) => dns.summary(ctx)));
    expect(s.status).toBe("disabled");
    expect(Math.abs(s.disabledUntil!.getTime() - p.until!)).toBeLessThan(2_000);
    expect(p.until! - Date.now()).toBeGreaterThan(80_000);
  });

  it("v0.107.0 cannot pause for a time: UNSUPPORTED_VERSION saying which release can, and nothing changes", async () => {
    const e = await start({ version: "v0.107.0" });
    const err = errorOf(await run(e, (ctx) => dns.disable(ctx, { durationSeconds: 90 })));
    expect(err.code).toBe("UNSUPPORTED_VERSION");
    expect(err.message).toMatch(/0\.107\.28/);
    expect(e.protection().enabled).toBe(true);
    expect(e.requests.some((r) => r.method === "POST")).toBe(false);
  });
});
