import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, eventually, expectFailure, forEachRelease, queueOf } from "../download-family/testing.js";
import { makeTorrent, type TorrentFixture } from "../download-family/torrent.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { startDeluge, type RealDeluge } from "./real.js";

/**
 * The downloads capability against real Deluge (issue #12): torrents added through its own JSON-RPC appear in
 * the queue; pause/resume/remove through the capability change the daemon's state, read back through its API.
 * And (issue #11) a web UI that is already connected keeps its daemon: no web.connect is sent.
 * Once per Debian release: Deluge 2.0.3 (Debian 12) and 2.2 (Debian 13).
 */
forEachRelease("Deluge downloads", ["deluged", "deluge-web"], (release) => {
  describe("deluged + deluge-web", () => {
    let dl: RealDeluge;
    let dir: string;
    let cookie = "";
    let a: TorrentFixture;
    let b: TorrentFixture;
    const secrets = () => ({ password: dl.password });

    // Deluge's own JSON-RPC, to set up and to verify.
    const own = async (method: string, params: unknown[] = []) => {
      const res = await fetch(`${dl.url}/json`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ method, params, id: 1 }) });
      cookie = res.headers.get("set-cookie")?.split(";")[0] ?? cookie;
      const body = (await res.json()) as { result: unknown; error: unknown };
      expect(body.error, method).toBeNull();
      return body.result;
    };
    const state = async (hash: string) => ((await own("core.get_torrent_status", [hash, ["state"]])) as { state?: string }).state;

    beforeAll(async () => {
      dl = await startDeluge({ release });
      dir = release.tempDir("dl-data");
      a = makeTorrent(dir, "alpha.bin");
      b = makeTorrent(dir, "beta.bin");
      await own("auth.login", [dl.password]);
      await own("web.connect", [dl.hostId]);
      expect(await own("web.connected")).toBe(true);
      for (const t of [a, b]) {
        expect(await own("core.add_torrent_file", [`${t.name}.torrent`, t.torrent.toString("base64"), { download_location: release.guestPath(dir) }])).toBe(t.infoHash);
      }
    });
    afterAll(async () => {
      await dl?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a web UI already connected to a daemon is not reconnected (no web.connect)", async () => {
      const proxy = await startRecordingProxy(dl.url);
      try {
        await queueOf("deluge", proxy.url, secrets());
        const methods = proxy.exchanges.map((e) => (JSON.parse(e.requestBody) as { method: string }).method);
        expect(methods).toContain("web.connected");
        expect(methods).not.toContain("web.connect");
        expect(methods).not.toContain("web.get_hosts");
      } finally {
        await proxy.close();
      }
    });

    it("torrents added through Deluge's API appear in the queue with the contract's fields", async () => {
      await eventually(async () => (await queueOf("deluge", dl.url, secrets())).items.every((i) => i.progress === 1 && i.state === "seeding"), "data checked");
      const q = await queueOf("deluge", dl.url, secrets());
      expect(q.status.paused).toBe(false);
      expect(q.items.find((i) => i.id === a.infoHash)).toMatchObject({ id: a.infoHash, name: "alpha.bin", type: "torrent", size: a.size, progress: 1, state: "seeding", eta: 0 });
      expect(q.items.map((i) => i.id).sort()).toEqual([a.infoHash, b.infoHash].sort());
      expect(q.items[0]!.addedAt).toBeInstanceOf(Date);
    });

    it("pause and resume one torrent, then the whole session", async () => {
      await act("deluge", dl.url, secrets(), (d, ctx) => d.pause(ctx, { itemIds: [a.infoHash] }));
      await eventually(async () => (await state(a.infoHash)) === "Paused", "alpha paused");
      expect(await state(b.infoHash)).not.toBe("Paused");
      await act("deluge", dl.url, secrets(), (d, ctx) => d.resume(ctx, { itemIds: [a.infoHash] }));
      await eventually(async () => (await state(a.infoHash)) !== "Paused", "alpha resumed");

      await act("deluge", dl.url, secrets(), (d, ctx) => d.pause(ctx, {}));
      expect(await own("core.is_session_paused")).toBe(true);
      expect((await queueOf("deluge", dl.url, secrets())).status.paused).toBe(true);
      await act("deluge", dl.url, secrets(), (d, ctx) => d.resume(ctx, {}));
      expect(await own("core.is_session_paused")).toBe(false);
    });

    it("remove with deleteFiles deletes the data; without keeps it; an unknown id is refused", async () => {
      await expectFailure("deluge", dl.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: ["f".repeat(40)], deleteFiles: true }), "UNEXPECTED_RESPONSE");
      await act("deluge", dl.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [a.infoHash], deleteFiles: true }));
      await act("deluge", dl.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [b.infoHash], deleteFiles: false }));
      expect(await own("core.get_torrents_status", [{}, ["name"]])).toEqual({});
      await eventually(async () => !fs.existsSync(a.file), "alpha.bin deleted");
      expect(fs.existsSync(b.file)).toBe(true);
    });
    it("a wrong credential on the queue and on an action is INVALID_CREDENTIALS, with no secret in the message", async () => {
      await expectFailure("deluge", dl.url, { password: "wrong-Pw-000" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
      await expectFailure("deluge", dl.url, { password: "wrong-Pw-000" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    });
  });
});
