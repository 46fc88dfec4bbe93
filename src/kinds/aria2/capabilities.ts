import { z } from "zod";
import type { DownloadItem } from "../../engine/capabilities.js";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { fraction } from "../download-family/capability.js";
import { call } from "./rpc.js";

/**
 * aria2's downloads (aria2c manual, RPC interface: https://aria2.github.io/manual/en/html/aria2c.html#methods):
 * aria2.tellActive / tellWaiting / tellStopped + aria2.getGlobalStat; aria2.pause|unpause per GID and
 * aria2.pauseAll|unpauseAll for the whole client; aria2.remove (unfinished) or aria2.removeDownloadResult
 * (finished). Numbers arrive as decimal strings. aria2 has no RPC that deletes downloaded files.
 */
const KEYS = ["gid", "status", "totalLength", "completedLength", "uploadLength", "downloadSpeed", "uploadSpeed", "files", "bittorrent", "errorMessage"];
const num = z.string().regex(/^\d+$/).transform(Number);
const Status = z.object({
  gid: z.string(),
  status: z.enum(["active", "waiting", "paused", "error", "complete", "removed"]),
  totalLength: num,
  completedLength: num,
  uploadLength: num,
  downloadSpeed: num,
  uploadSpeed: num,
  files: z.array(z.object({ path: z.string(), uris: z.array(z.object({ uri: z.string() })).optional() })),
  bittorrent: z.object({ info: z.object({ name: z.string() }).optional() }).optional(),
});
type Status = z.output<typeof Status>;
const Global = z.object({ downloadSpeed: num, uploadSpeed: num });
const Gid = z.string();

const STATES: Record<Status["status"], DownloadItem["state"]> = {
  active: "downloading",
  waiting: "queued",
  paused: "paused",
  error: "failed",
  complete: "completed",
  removed: "unknown",
};

/** The name a user recognises: the torrent's, else the file's, else the last path segment of its URI (no query: it may hold a credential). */
function nameOf(s: Status): string {
  const file = s.files[0];
  const fromPath = file?.path.split("/").pop();
  const uri = file?.uris?.[0]?.uri;
  const fromUri = uri ? decodeURIComponent(new URL(uri, "http://x").pathname.split("/").pop() ?? "") : "";
  return s.bittorrent?.info?.name ?? (fromPath || fromUri || s.gid);
}

function item(s: Status): DownloadItem {
  const torrent = s.bittorrent !== undefined;
  const done = s.totalLength > 0 && s.completedLength >= s.totalLength;
  const left = s.totalLength - s.completedLength;
  return {
    id: s.gid,
    name: nameOf(s),
    type: torrent ? "torrent" : "direct",
    // An active torrent that is complete is seeding.
    state: s.status === "active" && torrent && done ? "seeding" : STATES[s.status],
    progress: fraction(s.completedLength, s.totalLength),
    size: s.totalLength,
    downloaded: s.completedLength,
    uploaded: s.uploadLength,
    downSpeed: s.downloadSpeed,
    upSpeed: s.uploadSpeed,
    eta: s.status === "active" && s.downloadSpeed > 0 && left > 0 ? Math.ceil(left / s.downloadSpeed) : done ? 0 : null,
  };
}

async function status(ctx: TestContext, gid: string): Promise<Status> {
  return call(ctx, "aria2.tellStatus", [gid, KEYS], Status);
}

export const downloads: Capability<"downloads"> = {
  async queue(ctx, { limit }) {
    const [active, waiting, stopped, global] = await Promise.all([
      call(ctx, "aria2.tellActive", [KEYS], z.array(Status)),
      call(ctx, "aria2.tellWaiting", [0, limit, KEYS], z.array(Status)),
      call(ctx, "aria2.tellStopped", [0, limit, KEYS], z.array(Status)),
      call(ctx, "aria2.getGlobalStat", [], Global),
    ]);
    const unfinished = [...active, ...waiting];
    return {
      // No client-wide flag: paused when there is unfinished work and all of it is paused (aria2.pauseAll).
      status: { paused: unfinished.length > 0 && unfinished.every((s) => s.status === "paused"), downSpeed: global.downloadSpeed, upSpeed: global.uploadSpeed },
      items: [...unfinished, ...stopped.filter((s) => s.status !== "removed")].slice(0, limit).map(item),
    };
  },
  async pause(ctx, { itemIds }) {
    if (!itemIds) return void (await call(ctx, "aria2.pauseAll", [], z.literal("OK")));
    // tellStatus first: an unknown GID fails here, before anything changed; a paused one is left alone (aria2
    // refuses to pause it again).
    const all = await Promise.all(itemIds.map((gid) => status(ctx, gid)));
    for (const s of all) if (s.status === "active" || s.status === "waiting") await call(ctx, "aria2.pause", [s.gid], Gid);
  },
  async resume(ctx, { itemIds }) {
    if (!itemIds) return void (await call(ctx, "aria2.unpauseAll", [], z.literal("OK")));
    const all = await Promise.all(itemIds.map((gid) => status(ctx, gid)));
    for (const s of all) if (s.status === "paused") await call(ctx, "aria2.unpause", [s.gid], Gid);
  },
  async remove(ctx, { itemIds, deleteFiles }) {
    if (deleteFiles) {
      throw new TestFailure(
        "UNEXPECTED_RESPONSE",
        "aria2 cannot delete downloaded files through its RPC interface. Remove the download without deleting files, then delete them on the aria2 host.",
      );
    }
    const all = await Promise.all(itemIds.map((gid) => status(ctx, gid)));
    for (const s of all) {
      if (s.status === "active" || s.status === "waiting" || s.status === "paused") await call(ctx, "aria2.remove", [s.gid], Gid);
      // A removed download stays in the stopped list until its result is dropped too.
      await removeResult(ctx, s.gid);
    }
  },
};

/** aria2.remove is asynchronous for active downloads: retry removeDownloadResult briefly until it is stopped. */
async function removeResult(ctx: TestContext, gid: string): Promise<void> {
  for (let i = 0; ; i++) {
    const s = await status(ctx, gid);
    if (s.status === "removed" || s.status === "complete" || s.status === "error") {
      await call(ctx, "aria2.removeDownloadResult", [gid], z.literal("OK"));
      return;
    }
    if (i >= 20) throw new TestFailure("UNEXPECTED_RESPONSE", `aria2 did not stop download ${gid} after aria2.remove.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
