import { z } from "zod";
import type { DownloadItem } from "../../engine/capabilities.js";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { category, fraction, requireKnown } from "../download-family/capability.js";
import { api } from "./api.js";

/**
 * SABnzbd's downloads (sabnzbd/api.py 3.7.1: `build_queue`, `_api_queue_pause|resume|delete`, `_api_pause|resume`):
 * mode=queue (sizes in MiB as decimal strings, `percentage`, `timeleft` "H:MM:SS"); the whole client with
 * mode=pause / mode=resume (queue.paused); items with mode=queue&name=pause|resume|delete&value=<nzo_id,…>,
 * which answer the nzo_ids they handled; del_files=1 deletes what was downloaded.
 */
const MIB = 1024 * 1024;
const dec = z.string().regex(/^\d+(\.\d+)?$/).transform(Number);
const Slot = z.object({
  nzo_id: z.string(),
  filename: z.string(),
  status: z.string(),
  mb: dec,
  mbleft: dec,
  percentage: dec,
  timeleft: z.string(),
  cat: z.string().optional(),
});
const Queue = z.object({ queue: z.object({ paused: z.boolean(), kbpersec: dec, slots: z.array(Slot) }) });
const Handled = z.object({ status: z.boolean(), nzo_ids: z.array(z.string()).optional() });
const Ok = z.object({ status: z.literal(true) });

// Status (sabnzbd/constants.py): queue states.
const STATES: Record<string, DownloadItem["state"]> = {
  Downloading: "downloading",
  Fetching: "downloading",
  Grabbing: "queued",
  Queued: "queued",
  Propagating: "queued",
  Paused: "paused",
  Checking: "checking",
  QuickCheck: "checking",
  Verifying: "checking",
  Repairing: "checking",
  Extracting: "checking",
  Moving: "checking",
  Running: "checking",
  Completed: "completed",
  Failed: "failed",
};

/** "1:02:03" or "2:01:02:03" (days first) → seconds. */
function seconds(timeleft: string): number | null {
  const parts = timeleft.split(":").map(Number);
  if (parts.some((p) => !Number.isFinite(p))) return null;
  const [s = 0, m = 0, h = 0, d = 0] = parts.reverse();
  return ((d * 24 + h) * 60 + m) * 60 + s;
}

async function slots(ctx: TestContext) {
  return (await api(ctx, { mode: "queue", limit: 500 }, Queue)).queue;
}

/** Runs an item action and checks SABnzbd says it handled every id. */
async function onItems(ctx: TestContext, name: string, ids: string[], extra: Record<string, string> = {}) {
  requireKnown("SABnzbd", ids, (await slots(ctx)).slots.map((s) => s.nzo_id));
  const r = await api(ctx, { mode: "queue", name, value: ids.join(","), ...extra }, Handled);
  const missing = ids.filter((id) => !(r.nzo_ids ?? []).includes(id));
  if (!r.status || missing.length) throw new TestFailure("UNEXPECTED_RESPONSE", `SABnzbd did not ${name} ${missing.join(", ") || "the downloads"}. Reload the queue and try again.`);
}

export const downloads: Capability<"downloads"> = {
  async queue(ctx, { limit }) {
    const q = await slots(ctx);
    return {
      status: { paused: q.paused, downSpeed: Math.round(q.kbpersec * 1024) },
      items: q.slots.slice(0, limit).map((s): DownloadItem => {
        const state = STATES[s.status] ?? "unknown";
        const eta = seconds(s.timeleft);
        return {
          id: s.nzo_id,
          name: s.filename,
          type: "usenet",
          state,
          progress: fraction(s.percentage, 100),
          size: Math.round(s.mb * MIB),
          downloaded: Math.max(0, Math.round((s.mb - s.mbleft) * MIB)),
          // "0:00:00" is what SABnzbd sends for a job that is not downloading.
          eta: eta === 0 && state !== "completed" ? null : eta,
          ...category(s.cat && s.cat !== "None" ? s.cat : undefined),
        };
      }),
    };
  },
  async pause(ctx, { itemIds }) {
    if (!itemIds) return void (await api(ctx, { mode: "pause" }, Ok));
    await onItems(ctx, "pause", itemIds);
  },
  async resume(ctx, { itemIds }) {
    if (!itemIds) return void (await api(ctx, { mode: "resume" }, Ok));
    await onItems(ctx, "resume", itemIds);
  },
  async remove(ctx, { itemIds, deleteFiles }) {
    await onItems(ctx, "delete", itemIds, { del_files: deleteFiles ? "1" : "0" });
  },
};
