import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, eventually, expectFailure, forEachRelease, queueOf } from "../download-family/testing.js";
import { makeTorrent, type TorrentFixture } from "../download-family/torrent.js";
import { startTransmission, type RealTransmission } from "./real.js";

/**
 * The downloads capability against real Transmission (issue #12): torrents added through its own RPC appear in
 * the queue; pause/resume/remove through the capability change the daemon's state, read back through its RPC.
 * Once per Debian release: transmission-daemon 3.00 (Debian 12) and 4.1 (Debian 13).
 */
forEachRelease("Transmission downloads", ["transmission-daemon"], (release) => {
  describe("transmission-daemon", () => {
    let tr: RealTransmission;
    let dir: string;
    let a: TorrentFixture;
    let b: TorrentFixture;
    let sessionId = "";
    const secrets = () => ({ username: tr.username, password: tr.password });

    // Transmission's own RPC, to set up and to verify.
    const own = async (method: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${tr.url}/transmission/rpc`, {
          method: "POST",
          headers: { authorization: "Basic " + Buffer.from(`${tr.username}:${tr.password}`).toString("base64"), "x-transmission-session-id": sessionId },
          body: JSON.stringify({ method, arguments: args }),
        });
        if (res.status === 409) {
          sessionId = res.headers.get("x-transmission-session-id")!;
          await res.arrayBuffer();
          continue;
        }
        const body = (await res.json()) as { result: string; arguments: Record<string, unknown> };
        expect(body.result).toBe("success");
        return body.arguments;
      }
      throw new Error("session id dance failed");
    };
    const status = async (hash: string) => ((await own("torrent-get", { ids: [hash], fields: ["status"] })).torrents as { status: number }[])[0]?.status;

    beforeAll(async () => {
      tr = await startTransmission({ release });
      dir = release.tempDir("tr-data");
      a = makeTorrent(dir, "alpha.bin");
      b = makeTorrent(dir, "beta.bin");
      for (const t of [a, b]) await own("torrent-add", { metainfo: t.torrent.toString("base64"), "download-dir": release.guestPath(dir) });
    });
    afterAll(async () => {
      await tr?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("torrents added through Transmission's RPC appear in the queue with the contract's fields", async () => {
      await eventually(async () => (await queueOf("transmission", tr.url, secrets())).items.every((i) => i.progress === 1 && i.state === "seeding"), "data verified");
      const q = await queueOf("transmission", tr.url, secrets());
      expect(q.status.paused).toBe(false);
      expect(q.items.find((i) => i.id === a.infoHash)).toMatchObject({ id: a.infoHash, name: "alpha.bin", type: "torrent", size: a.size, progress: 1, state: "seeding" });
      expect(q.items.map((i) => i.id).sort()).toEqual([a.infoHash, b.infoHash].sort());
      expect(q.items[0]!.addedAt).toBeInstanceOf(Date);
    });

    it("pause and resume one torrent, then the whole client", async () => {
      await act("transmission", tr.url, secrets(), (d, ctx) => d.pause(ctx, { itemIds: [a.infoHash] }));
      await eventually(async () => (await status(a.infoHash)) === 0, "alpha stopped");
      expect(await status(b.infoHash)).not.toBe(0);
      await act("transmission", tr.url, secrets(), (d, ctx) => d.resume(ctx, { itemIds: [a.infoHash] }));
      await eventually(async () => (await status(a.infoHash)) !== 0, "alpha started");

      await act("transmission", tr.url, secrets(), (d, ctx) => d.pause(ctx, {}));
      await eventually(async () => (await status(a.infoHash)) === 0 && (await status(b.infoHash)) === 0, "all stopped");
      expect((await queueOf("transmission", tr.url, secrets())).status.paused).toBe(true);
      await act("transmission", tr.url, secrets(), (d, ctx) => d.resume(ctx, {}));
      await eventually(async () => (await status(b.infoHash)) !== 0, "all started");
    });

    it("remove with deleteFiles deletes the data; without keeps it", async () => {
      await act("transmission", tr.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [a.infoHash], deleteFiles: true }));
      await act("transmission", tr.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [b.infoHash], deleteFiles: false }));
      await eventually(async () => ((await own("torrent-get", { fields: ["hashString"] })).torrents as unknown[]).length === 0, "both removed");
      await eventually(async () => !fs.existsSync(a.file), "alpha.bin deleted");
      expect(fs.existsSync(b.file)).toBe(true);
    });
    it("a wrong credential on the queue and on an action is INVALID_CREDENTIALS, with no secret in the message", async () => {
      await expectFailure("transmission", tr.url, { username: tr.username, password: "wrong-Pw-000" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
      await expectFailure("transmission", tr.url, { username: tr.username, password: "wrong-Pw-000" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    });
  });
});
