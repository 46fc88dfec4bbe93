import { z } from "zod";
import { getJson } from "../../engine/kit.js";
import type { Capability } from "../../engine/types.js";
import type { MonitoringStatus } from "../../engine/capabilities.js";

/**
 * Coolify v4 → `monitoring.status`: every application, service and database.
 * `GET /api/v1/resources` with the Bearer token and `Accept: application/json` (coollabsio/coolify
 * routes/api.php → Api\ResourcesController::resources, https://coolify.io/docs/api-reference/api/operations/list-resources):
 * an array of resources with `uuid`, `name`, `type` ("application", "service", "standalone-postgresql"…),
 * `status` as "<state>:<health>" (e.g. "running:healthy", "running:unhealthy", "exited:unhealthy",
 * "degraded:unhealthy", "restarting:unknown") and, for applications, `fqdn` (comma-separated domains).
 */
const Resources = z.array(
  z.object({
    uuid: z.string(),
    name: z.string().nullable().optional(),
    type: z.string().optional(),
    status: z.string().nullable().optional(),
    fqdn: z.string().nullable().optional(),
  }),
);

function statusOf(raw: string | null | undefined): MonitoringStatus["items"][number]["status"] {
  const [state = "", health = ""] = (raw ?? "").toLowerCase().split(":");
  if (state === "running") return health === "unhealthy" ? "degraded" : "up";
  if (state === "degraded" || state === "restarting" || state === "starting") return "degraded";
  if (state === "exited" || state === "stopped" || state === "dead") return "down";
  if (state === "paused") return "paused";
  return "unknown";
}

export const monitoring: Capability<"monitoring"> = {
  async status(ctx): Promise<MonitoringStatus> {
    const token = ctx.secrets.apiKey ?? ctx.secrets.token ?? "";
    const resources = await getJson(ctx, { path: "/api/v1/resources", headers: { accept: "application/json", authorization: `Bearer ${token}` } }, Resources);
    return {
      items: resources.map((r) => {
        const link = r.fqdn
          ?.split(",")
          .map((d) => d.trim())
          .find((d) => /^https?:\/\//i.test(d));
        return {
          id: r.uuid,
          name: r.name || r.uuid,
          status: statusOf(r.status),
          ...(r.status || r.type ? { detail: [r.type, r.status].filter(Boolean).join(" · ") } : {}),
          ...(link ? { link } : {}),
        };
      }),
    };
  },
};
