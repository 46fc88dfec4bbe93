import { z } from "zod";
import type { DownloadItem } from "../../engine/capabilities.js";
import { call, getJson } from "../../engine/kit.js";
import type { Capability, TestContext } from "../../engine/types.js";
import { category, eta, fraction, fromUnix, requireKnown } from "../download-family/capability.js";
import { openSession, pauseActions, readVersion, type QbSession } from "./session.js";

/**
 * qBittorrent's downloads: torrents/info + transfer/info; pause/resume through torrents/pause|resume (4.x) or
 * torrents/stop|start (5.0+), torrents/delete with deleteFiles. qBittorrent has no client-wide pause: the whole
 * client is paused by pausing every torrent (`hashes=all`, src/webui/api/torrentscontroller.cpp `applyToTorrents`),
 * and it counts as paused when it has torrents and all of them are.
 */

// Keys from src/webui/api/serialize/serialize_torrent.h (release-4.5.2 … release-5.2.3).
const Torrent = z.object({
  hash: z.string(),
  name: z.string(),
  size: z.number(),
  progress: z.number(),
  dlspeed: z.number(),
  upspeed: z.number(),
  downloaded: z.number().optional(),
  uploaded: z.number().optional(),
  eta: z.number(),
  state: z.string(),
  category: z.string().optional(),
  added_on: z.number().optional(),
});
const Transfer = z.object({ dl_info_speed: z.number(), up_info_speed: z.number() });

/** MAX_ETA, qBittorrent's "infinite" (src/base/types.h). */
const MAX_ETA = 8640000;

// torrentStateToString (serialize_torrent.cpp): pausedDL/UP until 4.6, stoppedDL/UP from 5.0.
const STATES: Record<string, DownloadItem["state"]> = {
  downloading: "downloading",
  forcedDL: "downloading",
  metaDL: "downloading",
  forcedMetaDL: "downloading",
  uploading: "seeding",
  forcedUP: "seeding",
  stalledUP: "seeding",
  stalledDL: "stalled",
  queuedDL: "queued",
  queuedUP: "queued",
  pausedDL: "paused",
  pausedUP: "paused",
  stoppedDL: "paused",
  stoppedUP: "paused",
  checkingDL: "checking",
  checkingUP: "checking",
  checkingResumeData: "checking",
  allocating: "checking",
  error: "failed",
  missingFiles: "failed",
};

async function torrents(ctx: TestContext, s: QbSession, hashes?: string[]) {
  const query = hashes ? { hashes: hashes.join("|") } : undefined;
  return getJson(ctx, { path: "/api/v2/torrents/info", query, headers: s.headers }, z.array(Torrent));
}

async function act(ctx: TestContext, s: QbSession, action: string, form: Record<string, string>) {
  await call(ctx, { method: "POST", path: `/api/v2/torrents/${action}`, form, headers: s.headers });
}

/** The ids as qBittorrent's `hashes` parameter, after checking they exist; omitted → "all". */
async function target(ctx: TestContext, s: QbSession, ids: string[] | undefined): Promise<string> {
  if (!ids) return "all";
  requireKnown("qBittorrent", ids, (await torrents(ctx, s, ids)).map((t) => t.hash));
  return ids.join("|");
}

export const downloads: Capability<"downloads"> = {
  async queue(ctx, { limit }) {
    const s = await openSession(ctx);
    const [list, transfer] = await Promise.all([
      torrents(ctx, s),
      getJson(ctx, { path: "/api/v2/transfer/info", headers: s.headers }, Transfer),
    ]);
    const items = list.map(
      (t): DownloadItem => ({
        id: t.hash,
        name: t.name,
        type: "torrent",
        state: STATES[t.state] ?? "unknown",
        progress: fraction(t.progress),
        size: Math.max(0, t.size),
        downloaded: t.downloaded,
        uploaded: t.uploaded,
        downSpeed: t.dlspeed,
        upSpeed: t.upspeed,
        eta: eta(t.eta, MAX_ETA),
        addedAt: fromUnix(t.added_on),
        ...category(t.category),
      }),
    );
    return {
      status: { paused: items.length > 0 && items.every((i) => i.state === "paused"), downSpeed: transfer.dl_info_speed, upSpeed: transfer.up_info_speed },
      items: items.slice(0, limit),
    };
  },
  async pause(ctx, { itemIds }) {
    const s = await openSession(ctx);
    const hashes = await target(ctx, s, itemIds);
    await act(ctx, s, pauseActions(await readVersion(ctx, s)).pause, { hashes });
  },
  async resume(ctx, { itemIds }) {
    const s = await openSession(ctx);
    const hashes = await target(ctx, s, itemIds);
    await act(ctx, s, pauseActions(await readVersion(ctx, s)).resume, { hashes });
  },
  async remove(ctx, { itemIds, deleteFiles }) {
    const s = await openSession(ctx);
    const hashes = await target(ctx, s, itemIds);
    // deleteFiles is required by torrents/delete in every release (torrentscontroller.cpp `deleteAction`).
    await act(ctx, s, "delete", { hashes, deleteFiles: String(deleteFiles) });
  },
};
