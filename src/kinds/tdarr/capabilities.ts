import { z } from "zod";
import { getJson } from "../../engine/kit.js";
import type { Capability, TestContext } from "../../engine/types.js";
import type { TranscodingStatus } from "../../engine/capabilities.js";

/**
 * Tdarr 2.x → `transcoding.status`. Tdarr is closed source; these are the calls its own web UI makes, as used
 * by Homarr's Tdarr integration and homeylab/tdarr-exporter (internal/client):
 * - `POST /api/v2/cruddb` `{data:{collection:"StatisticsJSONDB", mode:"getById", docID:"statistics"}}` → the
 *   statistics document. Its tableNCount fields count the UI's status tabs: table1 transcode queue, table2
 *   transcode success/not required, table3 transcode error/cancelled, table4 health-check queue, table5
 *   healthy, table6 health-check error/cancelled; `sizeDiff` is the space saved in GB.
 * - `GET /api/v2/get-nodes` → `{<nodeId>: {nodeName, workers: {<workerId>: {...}}, …}}`: the running workers.
 */
const Statistics = z.object({
  table1Count: z.number().nonnegative().default(0),
  table2Count: z.number().nonnegative().default(0),
  table3Count: z.number().nonnegative().default(0),
  table4Count: z.number().nonnegative().default(0),
  table5Count: z.number().nonnegative().default(0),
  table6Count: z.number().nonnegative().default(0),
  sizeDiff: z.number().default(0),
});
const Nodes = z.record(z.string(), z.object({ workers: z.record(z.string(), z.unknown()).default({}) }));

function headers(ctx: TestContext) {
  return { accept: "application/json", "x-api-key": ctx.secrets.apiKey ?? "" };
}

export const transcoding: Capability<"transcoding"> = {
  async status(ctx): Promise<TranscodingStatus> {
    const [stats, nodes] = await Promise.all([
      getJson(ctx, { method: "POST", path: "/api/v2/cruddb", headers: headers(ctx), json: { data: { collection: "StatisticsJSONDB", mode: "getById", docID: "statistics" } } }, Statistics),
      getJson(ctx, { path: "/api/v2/get-nodes", headers: headers(ctx) }, Nodes),
    ]);
    return {
      queued: stats.table1Count + stats.table4Count,
      processed: stats.table2Count + stats.table5Count,
      errored: stats.table3Count + stats.table6Count,
      savedBytes: Math.round(stats.sizeDiff * 1e9),
      workers: Object.values(nodes).reduce((n, node) => n + Object.keys(node.workers).length, 0),
    };
  },
};
