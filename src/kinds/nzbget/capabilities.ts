import { z } from "zod";
import type { DownloadItem } from "../../engine/capabilities.js";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { category, fraction, requireKnown } from "../download-family/capability.js";
import { rpc } from "./rpc.js";

/**
 * NZBGet's downloads (API: https://nzbget.com/documentation/api/): listgroups + status; pausedownload /
 * resumedownload for the whole client (status.DownloadPaused); editqueue(Command, Param, IDs) with GroupPause,
 * GroupResume, and GroupDelete (downloaded files deleted, a history row kept) or GroupParkDelete (files kept)
 * to remove. Sizes come as 32-bit Lo/Hi halves (exact at any size; the *MB fields are whole MiB), at v21.0 and v25.4 alike.
 */
const Group = z.object({
  NZBID: z.number().int(),
  NZBName: z.string(),
  Status: z.string(),
  FileSizeLo: z.number(),
  FileSizeHi: z.number(),
  RemainingSizeLo: z.number(),
  RemainingSizeHi: z.number(),
  Category: z.string(),
  MinPostTime: z.number().optional(),
});
// DownloadRateLo/Hi since v24.2; there the deprecated DownloadRate is 0 above 2 GiB/s (emulator.ts).
const Status = z.object({ DownloadRate: z.number(), DownloadRateLo: z.number().optional(), DownloadRateHi: z.number().optional(), DownloadPaused: z.boolean() });

const STATES: Record<string, DownloadItem["state"]> = {
  QUEUED: "queued",
  PAUSED: "paused",
  DOWNLOADING: "downloading",
  FETCHING: "downloading",
  PP_QUEUED: "queued",
  LOADING_PARS: "checking",
  VERIFYING_SOURCES: "checking",
  REPAIRING: "checking",
  VERIFYING_REPAIRED: "checking",
  RENAMING: "checking",
  // From v24.6 (XmlRpc.cpp `ListGroupsXmlCommand::DetectStatus`, v25.4).
  POST_UNPACK_RENAMING: "checking",
  UNPACKING: "checking",
  MOVING: "checking",
  EXECUTING_SCRIPT: "checking",
  // Queue scripts (v21.0 and v25.4).
  QS_QUEUED: "checking",
  QS_EXECUTING: "checking",
  PP_FINISHED: "completed",
};

const bytes = (lo: number, hi: number) => hi * 2 ** 32 + lo;

async function groups(ctx: TestContext) {
  return rpc(ctx, "listgroups", [0], z.array(Group));
}

async function edit(ctx: TestContext, command: string, ids: string[]) {
  const numeric = ids.map(Number);
  requireKnown("NZBGet", ids, (await groups(ctx)).map((g) => String(g.NZBID)));
  if (!(await rpc(ctx, "editqueue", [command, "", numeric], z.boolean()))) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `NZBGet refused ${command} for ${ids.join(", ")}. Reload the queue and try again.`);
  }
}

export const downloads: Capability<"downloads"> = {
  async queue(ctx, { limit }) {
    const [list, status] = await Promise.all([groups(ctx), rpc(ctx, "status", [], Status)]);
    return {
      status: {
        paused: status.DownloadPaused,
        downSpeed: status.DownloadRateLo === undefined ? Math.max(0, status.DownloadRate) : bytes(status.DownloadRateLo, status.DownloadRateHi ?? 0),
      },
      items: list.slice(0, limit).map((g): DownloadItem => {
        const size = bytes(g.FileSizeLo, g.FileSizeHi);
        const left = bytes(g.RemainingSizeLo, g.RemainingSizeHi);
        return {
          id: String(g.NZBID),
          name: g.NZBName,
          type: "usenet",
          state: STATES[g.Status] ?? "unknown",
          progress: fraction(size - left, size),
          size,
          downloaded: Math.max(0, size - left),
          ...category(g.Category),
        };
      }),
    };
  },
  async pause(ctx, { itemIds }) {
    if (!itemIds) return void (await rpc(ctx, "pausedownload", [], z.literal(true)));
    await edit(ctx, "GroupPause", itemIds);
  },
  async resume(ctx, { itemIds }) {
    if (!itemIds) return void (await rpc(ctx, "resumedownload", [], z.literal(true)));
    await edit(ctx, "GroupResume", itemIds);
  },
  async remove(ctx, { itemIds, deleteFiles }) {
    await edit(ctx, deleteFiles ? "GroupDelete" : "GroupParkDelete", itemIds);
  },
};
