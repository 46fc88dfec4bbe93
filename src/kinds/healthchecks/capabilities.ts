import { z } from "zod";
import { getJson } from "../../engine/kit.js";
import type { Capability } from "../../engine/types.js";
import type { MonitoringStatus } from "../../engine/capabilities.js";

/**
 * Healthchecks → `monitoring.status`: every check of the key's project.
 * `GET /api/v3/checks/` with `X-Api-Key` (https://healthchecks.io/docs/api/ "List existing checks";
 * healthchecks/healthchecks templates/docs/api.md): `{checks: [{name, slug, tags, desc, status, started,
 * last_ping, …}]}` where status is one of new, up, grace, down, paused, and a read-only key gets `unique_key`
 * instead of `uuid` (no ping/update URLs: those carry the check's secret).
 */
const Checks = z.object({
  checks: z.array(
    z.object({
      name: z.string(),
      slug: z.string().optional(),
      tags: z.string().optional(),
      desc: z.string().optional(),
      status: z.enum(["new", "up", "grace", "down", "paused"]),
      started: z.boolean().optional(),
      last_ping: z.iso.datetime({ offset: true }).nullable().optional(),
      uuid: z.string().optional(),
      unique_key: z.string().optional(),
    }),
  ),
});

// "grace": the ping is late but within the grace time: not down yet, not fine either.
const STATUS = { new: "unknown", up: "up", grace: "degraded", down: "down", paused: "paused" } as const;
const DETAIL = { new: "Waiting for the first ping", up: undefined, grace: "Late (in the grace period)", down: "Down: the expected ping did not arrive", paused: "Paused" } as const;

export const monitoring: Capability<"monitoring"> = {
  async status(ctx): Promise<MonitoringStatus> {
    const { checks } = await getJson(ctx, { path: "/api/v3/checks/", headers: { "x-api-key": ctx.secrets.apiKey ?? "" } }, Checks);
    const base = ctx.url.toString().replace(/\/+$/, "");
    return {
      items: checks.map((c, i) => ({
        id: c.uuid ?? c.unique_key ?? c.slug ?? String(i),
        name: c.name || c.slug || "(unnamed check)",
        status: STATUS[c.status],
        ...(c.started && c.status !== "paused" ? { detail: "Running (start signal received)" } : DETAIL[c.status] ? { detail: DETAIL[c.status] } : {}),
        ...(c.last_ping ? { lastCheckedAt: new Date(c.last_ping) } : {}),
        // The check's page (hc/front/urls.py: checks/<uuid>/details/); only the full key knows the uuid.
        ...(c.uuid ? { link: `${base}/checks/${c.uuid}/details/` } : {}),
      })),
    };
  },
};
