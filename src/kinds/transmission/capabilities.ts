import { z } from "zod";
import type { DownloadItem } from "../../engine/capabilities.js";
import type { Capability, TestContext } from "../../engine/types.js";
import { eta, fraction, fromUnix, requireKnown } from "../download-family/capability.js";
import { rpc } from "./rpc.js";

/**
 * Transmission's downloads through the bespoke RPC (rpc.ts): torrent-get + session-stats, torrent-stop/start
 * (no `ids` = every torrent: extras/rpc-spec.txt tag 3.00 §3, docs/rpc-spec.md tag 4.0.6), torrent-remove with
 * delete-local-data. Items are identified by their info-hash (`hashString`), which `ids` accepts. Transmission
 * has no client-wide pause: the client counts as paused when it has torrents and all are stopped.
 */

// Field names: extras/rpc-spec.txt tag 3.00 §3.3, docs/rpc-spec.md tag 4.0.6 (unchanged in the old protocol of 4.1).
const FIELDS = ["hashString", "name", "status", "error", "percentDone", "sizeWhenDone", "downloadedEver", "uploadedEver", "rateDownload", "rateUpload", "eta", "addedDate"];
const Torrent = z.object({
  hashString: z.string(),
  name: z.string(),
  status: z.number().int(),
  error: z.number().int(),
  percentDone: z.number(),
  sizeWhenDone: z.number(),
  downloadedEver: z.number(),
  uploadedEver: z.number(),
  rateDownload: z.number(),
  rateUpload: z.number(),
  eta: z.number(),
  addedDate: z.number(),
});
const Torrents = z.object({ torrents: z.array(Torrent) });
const Stats = z.object({ downloadSpeed: z.number(), uploadSpeed: z.number() });
const Ok = z.object({});

// tr_torrent_activity (libtransmission/transmission.h tag 3.00): 0 stopped … 6 seeding.
const STATUS: DownloadItem["state"][] = ["paused", "queued", "checking", "queued", "downloading", "queued", "seeding"];

async function torrents(ctx: TestContext, ids?: string[]) {
  return (await rpc(ctx, "torrent-get", ids ? { fields: FIELDS, ids } : { fields: FIELDS }, Torrents)).torrents;
}

/** `ids` for an action, after checking they exist; omitted → no `ids` (every torrent). */
async function target(ctx: TestContext, ids: string[] | undefined): Promise<Record<string, unknown>> {
  if (!ids) return {};
  requireKnown("Transmission", ids, (await torrents(ctx, ids)).map((t) => t.hashString));
  return { ids };
}

function item(t: z.output<typeof Torrent>): DownloadItem {
  // `error` non-zero: a tracker warning (1) or error (2), or a local error (3) (tr_stat_errtype). Only a local
  // error stops the download; tracker trouble leaves it running.
  const state = t.error === 3 ? "failed" : (STATUS[t.status] ?? "unknown");
  return {
    id: t.hashString,
    name: t.name,
    type: "torrent",
    state,
    progress: fraction(t.percentDone),
    size: Math.max(0, t.sizeWhenDone),
    downloaded: Math.max(0, t.downloadedEver),
    uploaded: Math.max(0, t.uploadedEver),
    downSpeed: Math.max(0, t.rateDownload),
    upSpeed: Math.max(0, t.rateUpload),
    // -1 not available, -2 unknown (TR_ETA_NOT_AVAIL, TR_ETA_UNKNOWN).
    eta: eta(t.eta),
    addedAt: fromUnix(t.addedDate),
  };
}

export const downloads: Capability<"downloads"> = {
  async queue(ctx, { limit }) {
    const list = (await torrents(ctx)).map(item);
    const stats = await rpc(ctx, "session-stats", {}, Stats);
    return {
      status: { paused: list.length > 0 && list.every((i) => i.state === "paused"), downSpeed: stats.downloadSpeed, upSpeed: stats.uploadSpeed },
      items: list.slice(0, limit),
    };
  },
  async pause(ctx, { itemIds }) {
    await rpc(ctx, "torrent-stop", await target(ctx, itemIds), Ok);
  },
  async resume(ctx, { itemIds }) {
    await rpc(ctx, "torrent-start", await target(ctx, itemIds), Ok);
  },
  async remove(ctx, { itemIds, deleteFiles }) {
    await rpc(ctx, "torrent-remove", { ...(await target(ctx, itemIds)), "delete-local-data": deleteFiles }, Ok);
  },
};
