import { z } from "zod";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { connect, v5, v6 } from "./api.js";

/**
 * dnsHole for Pi-hole v5 and v6 (docs/capabilities.md). Each call reaches the Pi-hole once through `connect`
 * (./api.ts): on v6 at most one login per call, always logged out again, however many requests the call makes.
 */

// ---- v6 (pi-hole/FTL src/api/docs/content/specs/*.yaml at v6.0; unchanged for these endpoints up to v6.4.1) ----

// GET /api/stats/summary (stats.yaml): queries.{total, blocked, percent_blocked}, gravity.domains_being_blocked.
const Summary6 = z.object({
  queries: z.object({ total: z.number(), blocked: z.number(), percent_blocked: z.number() }),
  gravity: z.object({ domains_being_blocked: z.number() }),
});
// GET/POST /api/dns/blocking (dns.yaml; src/api/dns.c get_blocking): {blocking: "enabled"|"disabled"|"failed"|"unknown",
// timer: seconds until the opposite mode is set, or null}. POST answers the same object after the change.
const Blocking6 = z.object({ blocking: z.enum(["enabled", "disabled", "failed", "unknown"]), timer: z.number().nullable() });

function blockingStatus(b: z.output<typeof Blocking6>): "enabled" | "disabled" {
  if (b.blocking === "failed") throw new TestFailure("HTTP_ERROR", "Pi-hole's DNS resolver is not running (blocking status \"failed\"). Check Pi-hole's FTL log.");
  if (b.blocking === "unknown") throw new TestFailure("HTTP_ERROR", "Pi-hole does not know its blocking status yet (it is probably still starting). Try again in a moment.");
  return b.blocking;
}

async function setBlocking6(ctx: TestContext, conn: { headers: Record<string, string> }, blocking: boolean, timer: number | null): Promise<void> {
  // `timer: null` ends a running timer, making the new mode permanent (dns.yaml, POST /api/dns/blocking).
  const after = await v6(ctx, conn, { method: "POST", path: "/api/dns/blocking", json: { blocking, timer } }, Blocking6);
  const want = blocking ? "enabled" : "disabled";
  if (blockingStatus(after) !== want || (timer !== null && after.timer === null)) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `Pi-hole did not confirm the change: it reports blocking ${after.blocking}${after.timer !== null ? ` for ${after.timer} more seconds` : ""}.`);
  }
}

// ---- v5 (pi-hole/web api.php and api_FTL.php at v5.21; AdminLTE at v5.0) ----

// ?summaryRaw: FTL's `stats` as numbers (floatval); domains_being_blocked stays a string when FTL has no gravity
// count ("N/A"; counted as 0 here), `status` is "enabled"/"disabled".
const Summary5 = z.object({
  status: z.enum(["enabled", "disabled"]),
  domains_being_blocked: z.number().or(z.string().transform(() => 0)),
  dns_queries_today: z.number(),
  ads_blocked_today: z.number(),
  ads_percentage_today: z.number(),
});
// ?enable / ?disable[=seconds] answer {"status":"enabled"|"disabled"} once `pihole enable|disable` ran.
const Status5 = z.object({ status: z.enum(["enabled", "disabled"]) });

async function setBlocking5(ctx: TestContext, query: Record<string, string>, want: "enabled" | "disabled"): Promise<void> {
  const { status } = await v5(ctx, query, Status5);
  if (status !== want) throw new TestFailure("UNEXPECTED_RESPONSE", `Pi-hole did not confirm the change: it reports blocking ${status}.`);
}

const percent = (p: number) => Math.min(100, Math.max(0, p));

export const dnsHole: Capability<"dnsHole"> = {
  async summary(ctx) {
    const conn = await connect(ctx);
    if (conn.generation === 6) {
      const [s, b] = await Promise.all([
        v6(ctx, conn, { path: "/api/stats/summary" }, Summary6),
        v6(ctx, conn, { path: "/api/dns/blocking" }, Blocking6),
      ]);
      const status = blockingStatus(b);
      return {
        status,
        // A timer while disabled is the time left until blocking resumes; while enabled it would be a timed enable.
        disabledUntil: status === "disabled" && b.timer !== null ? new Date(Date.now() + b.timer * 1000) : null,
        queriesToday: s.queries.total,
        blockedToday: s.queries.blocked,
        blockedPercentage: percent(s.queries.percent_blocked),
        domainsOnBlocklist: s.gravity.domains_being_blocked,
      };
    }
    const s = await v5(ctx, { summaryRaw: "" }, Summary5);
    return {
      status: s.status,
      // v5's API does not publish the end of a timed disable: api.php only writes it to custom_disable_timer,
      // which the web interface's own pages read (pi-hole/web api.php at v5.21).
      disabledUntil: null,
      queriesToday: s.dns_queries_today,
      blockedToday: s.ads_blocked_today,
      blockedPercentage: percent(s.ads_percentage_today),
      domainsOnBlocklist: s.domains_being_blocked,
    };
  },
  async enable(ctx) {
    const conn = await connect(ctx);
    if (conn.generation === 6) return setBlocking6(ctx, conn, true, null);
    return setBlocking5(ctx, { enable: "" }, "enabled");
  },
  async disable(ctx, { durationSeconds }) {
    const conn = await connect(ctx);
    if (conn.generation === 6) return setBlocking6(ctx, conn, false, durationSeconds ?? null);
    // `disable=` (intval 0) is "until enabled", `disable=N` a timer of N seconds (api.php at v5.21).
    return setBlocking5(ctx, { disable: durationSeconds ? String(durationSeconds) : "" }, "disabled");
  },
};
