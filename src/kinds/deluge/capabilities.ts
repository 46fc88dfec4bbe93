import { z } from "zod";
import type { DownloadItem } from "../../engine/capabilities.js";
import { TestFailure, type Capability } from "../../engine/types.js";
import { fraction, fromUnix, requireKnown } from "../download-family/capability.js";
import { openDeluge, type DelugeSession } from "./session.js";

/**
 * Deluge's downloads through the web UI's JSON-RPC, which forwards `core.*` to the daemon (deluge/core/core.py,
 * Deluge 2.0.3 as Debian ships it): core.get_torrents_status + core.get_session_status; pause/resume of torrents
 * (core.pause_torrents / core.resume_torrents) and of the whole session (core.pause_session / resume_session,
 * read back with core.is_session_paused); core.remove_torrents(ids, remove_data) answers the ids it could not remove.
 */

// Status keys (deluge/core/torrent.py `_create_status_funcs`): progress is 0..100.
const KEYS = ["name", "state", "progress", "total_wanted", "total_done", "total_uploaded", "download_payload_rate", "upload_payload_rate", "eta", "time_added"];
const Torrent = z.object({
  name: z.string(),
  state: z.string(),
  progress: z.number(),
  total_wanted: z.number(),
  total_done: z.number(),
  total_uploaded: z.number(),
  download_payload_rate: z.number(),
  upload_payload_rate: z.number(),
  eta: z.number(),
  time_added: z.number(),
});
const Torrents = z.record(z.string(), Torrent);
const Session = z.object({ payload_download_rate: z.number(), payload_upload_rate: z.number() });

// TORRENT_STATE (deluge/common.py).
const STATES: Record<string, DownloadItem["state"]> = {
  Downloading: "downloading",
  Seeding: "seeding",
  Paused: "paused",
  Queued: "queued",
  Checking: "checking",
  Allocating: "checking",
  Moving: "checking",
  Error: "failed",
};

async function torrents(s: DelugeSession, ids?: string[]) {
  return s.call("core.get_torrents_status", [ids ? { id: ids } : {}, KEYS], Torrents);
}

async function known(s: DelugeSession, ids: string[]): Promise<void> {
  requireKnown("Deluge", ids, Object.keys(await torrents(s, ids)));
}

export const downloads: Capability<"downloads"> = {
  async queue(ctx, { limit }) {
    const s = await openDeluge(ctx);
    const [list, session, paused] = await Promise.all([
      torrents(s),
      s.call("core.get_session_status", [["payload_download_rate", "payload_upload_rate"]], Session),
      s.call("core.is_session_paused", [], z.boolean()),
    ]);
    const items = Object.entries(list).map(
      ([id, t]): DownloadItem => ({
        id,
        name: t.name,
        type: "torrent",
        state: STATES[t.state] ?? "unknown",
        progress: fraction(t.progress, 100),
        size: Math.max(0, t.total_wanted),
        downloaded: Math.max(0, t.total_done),
        uploaded: Math.max(0, t.total_uploaded),
        downSpeed: Math.max(0, t.download_payload_rate),
        upSpeed: Math.max(0, t.upload_payload_rate),
        // torrent.py `get_eta`: 0 when there is nothing to estimate, -1 beyond a year.
        eta: t.eta > 0 ? t.eta : t.progress >= 100 ? 0 : null,
        addedAt: fromUnix(t.time_added),
      }),
    );
    items.sort((a, b) => (a.addedAt?.getTime() ?? 0) - (b.addedAt?.getTime() ?? 0));
    return {
      status: { paused, downSpeed: Math.max(0, session.payload_download_rate), upSpeed: Math.max(0, session.payload_upload_rate) },
      items: items.slice(0, limit),
    };
  },
  async pause(ctx, { itemIds }) {
    const s = await openDeluge(ctx);
    if (!itemIds) return void (await s.call("core.pause_session", [], z.null()));
    await known(s, itemIds);
    await s.call("core.pause_torrents", [itemIds], z.null());
  },
  async resume(ctx, { itemIds }) {
    const s = await openDeluge(ctx);
    if (!itemIds) return void (await s.call("core.resume_session", [], z.null()));
    await known(s, itemIds);
    await s.call("core.resume_torrents", [itemIds], z.null());
  },
  async remove(ctx, { itemIds, deleteFiles }) {
    const s = await openDeluge(ctx);
    await known(s, itemIds);
    const errors = await s.call("core.remove_torrents", [itemIds, deleteFiles], z.array(z.tuple([z.string(), z.string()])));
    if (errors.length) {
      throw new TestFailure("UNEXPECTED_RESPONSE", `Deluge could not remove ${errors.length} of the downloads: ${errors[0]![1].slice(0, 200)}`);
    }
  },
};
