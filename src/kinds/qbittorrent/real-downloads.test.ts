import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, eventually, expectFailure, forEachRelease, queueOf } from "../download-family/testing.js";
import { makeTorrent, type TorrentFixture } from "../download-family/torrent.js";
import { startQbittorrent, type RealQbittorrent } from "./real.js";

/**
 * The downloads capability against real qBittorrent (issue #12): torrents added through qBittorrent's own
 * API appear in the queue; pause/resume/remove through the capability change the daemon's state, read back
 * through its own API. Once per Debian release: qbittorrent-nox 4.5 (Debian 12) and 5.1 (Debian 13).
 */
forEachRelease("qBittorrent downloads", ["qbittorrent-nox"], (release) => {
  describe("qbittorrent-nox", () => {
    let qb: RealQbittorrent;
    let dir: string;
    let sid: string;
    let a: TorrentFixture;
    let b: TorrentFixture;
    const secrets = () => ({ username: qb.username, password: qb.password });

    // qBittorrent's own API, used to set up and to verify.
    const own = async (p: string, body?: FormData | URLSearchParams) => {
      const res = await fetch(`${qb.url}/api/v2/${p}`, { method: body ? "POST" : "GET", body, headers: { cookie: sid } });
      expect(res.status, `${p}: ${res.status}`).toBeLessThan(300);
      return res.text();
    };
    const info = async (hash: string) => (JSON.parse(await own(`torrents/info?hashes=${hash}`)) as { hash: string; state: string }[])[0];

    beforeAll(async () => {
      qb = await startQbittorrent({ release });
      dir = release.tempDir("qb-data");
      a = makeTorrent(dir, "alpha.bin");
      b = makeTorrent(dir, "beta.bin");
      const login = await fetch(`${qb.url}/api/v2/auth/login`, { method: "POST", body: new URLSearchParams({ username: qb.username, password: qb.password }) });
      sid = login.headers.get("set-cookie")!.split(";")[0]!;
      for (const t of [a, b]) {
        const form = new FormData();
        form.append("torrents", new Blob([new Uint8Array(t.torrent)], { type: "application/x-bittorrent" }), `${t.name}.torrent`);
        form.append("savepath", release.guestPath(dir));
        await own("torrents/add", form);
      }
      await eventually(async () => (await info(a.infoHash)) !== undefined && (await info(b.infoHash)) !== undefined, "torrents added");
    });
    afterAll(async () => {
      await qb?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("torrents added through qBittorrent's API appear in the queue with the contract's fields", async () => {
      await eventually(async () => (await queueOf("qBittorrent", qb.url, secrets())).items.every((i) => i.progress === 1), "data checked");
      const q = await queueOf("qBittorrent", qb.url, secrets());
      expect(q.status.paused).toBe(false);
      const item = q.items.find((i) => i.id === a.infoHash);
      expect(item).toMatchObject({ id: a.infoHash, name: "alpha.bin", type: "torrent", size: a.size, progress: 1, state: "seeding" });
      expect(item?.addedAt).toBeInstanceOf(Date);
      expect(q.items.map((i) => i.id).sort()).toEqual([a.infoHash, b.infoHash].sort());
    });

    it("pause and resume one torrent, then the whole client", async () => {
      await act("qBittorrent", qb.url, secrets(), (d, ctx) => d.pause(ctx, { itemIds: [a.infoHash] }));
      await eventually(async () => /^(paused|stopped)/.test((await info(a.infoHash))!.state), "alpha paused");
      expect((await info(b.infoHash))!.state).not.toMatch(/^(paused|stopped)/);
      expect((await queueOf("qBittorrent", qb.url, secrets())).items.find((i) => i.id === a.infoHash)?.state).toBe("paused");

      await act("qBittorrent", qb.url, secrets(), (d, ctx) => d.resume(ctx, { itemIds: [a.infoHash] }));
      await eventually(async () => !/^(paused|stopped)/.test((await info(a.infoHash))!.state), "alpha resumed");

      await act("qBittorrent", qb.url, secrets(), (d, ctx) => d.pause(ctx, {}));
      await eventually(async () => (await queueOf("qBittorrent", qb.url, secrets())).status.paused, "client paused");
      expect((await info(b.infoHash))!.state).toMatch(/^(paused|stopped)/);
      await act("qBittorrent", qb.url, secrets(), (d, ctx) => d.resume(ctx, {}));
      await eventually(async () => !/^(paused|stopped)/.test((await info(b.infoHash))!.state), "client resumed");
    });

    it("remove with deleteFiles deletes the data; without keeps it", async () => {
      await act("qBittorrent", qb.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [a.infoHash], deleteFiles: true }));
      await act("qBittorrent", qb.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [b.infoHash], deleteFiles: false }));
      expect(JSON.parse(await own("torrents/info"))).toEqual([]);
      await eventually(async () => !fs.existsSync(a.file), "alpha.bin deleted");
      expect(fs.existsSync(path.join(dir, "beta.bin"))).toBe(true);
      expect((await queueOf("qBittorrent", qb.url, secrets())).items).toEqual([]);
    });
    it("a wrong credential on the queue and on an action is INVALID_CREDENTIALS, with no secret in the message", async () => {
      await expectFailure("qBittorrent", qb.url, { username: qb.username, password: "wrong-Pw-000" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
      await expectFailure("qBittorrent", qb.url, { username: qb.username, password: "wrong-Pw-000" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    });
  });
});
