import { z } from "zod";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { control, send, status, type Status } from "./api.js";

/**
 * dnsHole for AdGuard Home (docs/capabilities.md), from AdguardTeam/AdGuardHome at v0.107.0 (the oldest supported)
 * and v0.107.79 (the newest stable):
 * - counters: GET /control/stats → `num_dns_queries`, `num_blocked_filtering` over the statistics interval (24 h by
 *   default) (openapi/openapi.yaml Stats, both releases);
 * - blocklist size: GET /control/filtering/status → `filters[].rules_count` of the enabled lists (openapi.yaml
 *   FilterStatus/Filter; `filters` is a Go slice and may be null);
 * - protection: since v0.107.28 POST /control/protection `{enabled, duration (ms, only when disabling)}`, answered
 *   "OK" (internal/dnsforward/http.go handleSetProtection); before, only POST /control/dns_config
 *   `{protection_enabled}` with no timer (internal/dnsforward/http.go handleSetConfig at v0.107.0). Neither answer
 *   states the new state, so every action reads /control/status afterwards and resolves only when it agrees.
 */

const Stats = z.object({ num_dns_queries: z.number().nonnegative(), num_blocked_filtering: z.number().nonnegative() });
const Filtering = z.object({ filters: z.array(z.object({ enabled: z.boolean(), rules_count: z.number().nonnegative() })).nullish() });

/** v0.107.28 added the protection pause, and with it `protection_disabled_duration` in the status. */
const canPause = (s: Status) => s.protection_disabled_duration !== undefined;

async function setProtection(ctx: TestContext, enabled: boolean, durationSeconds?: number): Promise<void> {
  const before = await status(ctx);
  if (canPause(before)) {
    const body = durationSeconds ? { enabled, duration: durationSeconds * 1000 } : { enabled };
    await send(ctx, { method: "POST", path: "/control/protection", json: body });
  } else if (durationSeconds) {
    throw new TestFailure(
      "UNSUPPORTED_VERSION",
      `AdGuard Home ${before.version} cannot pause protection for a time (that came with v0.107.28). Update AdGuard Home, or disable protection without a duration.`,
      { version: before.version, minVersion: "0.107.28" },
    );
  } else {
    await send(ctx, { method: "POST", path: "/control/dns_config", json: { protection_enabled: enabled } });
  }
  const after = await status(ctx);
  const paused = !after.protection_enabled && (after.protection_disabled_duration ?? 0) > 0;
  if (after.protection_enabled !== enabled || (durationSeconds !== undefined && canPause(after) && !paused)) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `AdGuard Home did not confirm the change: protection is ${after.protection_enabled ? "enabled" : "disabled"}.`);
  }
}

export const dnsHole: Capability<"dnsHole"> = {
  async summary(ctx) {
    const [s, stats, filtering] = await Promise.all([
      status(ctx),
      control(ctx, { path: "/control/stats" }, Stats),
      control(ctx, { path: "/control/filtering/status" }, Filtering),
    ]);
    const left = s.protection_disabled_duration ?? 0;
    const total = stats.num_dns_queries;
    return {
      status: s.protection_enabled ? "enabled" : "disabled",
      disabledUntil: !s.protection_enabled && left > 0 ? new Date(Date.now() + left) : null,
      queriesToday: total,
      blockedToday: stats.num_blocked_filtering,
      blockedPercentage: total ? Math.min(100, (100 * stats.num_blocked_filtering) / total) : 0,
      domainsOnBlocklist: (filtering.filters ?? []).filter((f) => f.enabled).reduce((n, f) => n + f.rules_count, 0),
    };
  },
  enable: (ctx) => setProtection(ctx, true),
  disable: (ctx, { durationSeconds }) => setProtection(ctx, false, durationSeconds),
};
