import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, expectFailure, queueOf } from "../download-family/testing.js";
import { makeNzb } from "../download-family/torrent.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { startNzbgetEmulator } from "./emulator.js";
import { available, startNzbget } from "./real.js";

/**
 * The downloads capability against each release of NZBGet's matrix (issues #11, #12): emulated v21.0 (Debian 12's)
 * and v25.4 (the newest 25.x), and Debian 12's real 21.0. NZBs added through NZBGet's own JSON-RPC (append) sit
 * in the queue (the real one's only news server is inactive, so nothing leaves loopback); pause/resume/remove
 * through the capability change NZBGet's state, read back through listgroups / status / history.
 */
interface UnderTest {
  url: string;
  credentials: { username: string; password: string };
  stop(): Promise<unknown>;
}
const emulated = (version: string) => ({
  label: `NZBGet ${version} (emulated)`,
  available: () => true,
  async start(): Promise<UnderTest> {
    const credentials = { username: "admin", password: "nzb-emu-Secret-7d2" };
    const nz = await startNzbgetEmulator({ version, ...credentials });
    return { url: nz.url, credentials, stop: () => nz.close() };
  },
});
const releases = [emulated("21.0"), emulated("25.4"), { label: "Debian 12 nzbget (real)", available, start: (): Promise<UnderTest> => startNzbget() }];

for (const release of releases) {
  describe.skipIf(!release.available())(`NZBGet downloads (${release.label})`, () => {
    let nz: UnderTest;
    const ids: Record<string, number> = {};
    const secrets = () => nz.credentials;
    const own = async (method: string, params: unknown[] = []) => {
      const res = await fetch(`${nz.url}/jsonrpc`, {
        method: "POST",
        headers: { authorization: "Basic " + Buffer.from(`${nz.credentials.username}:${nz.credentials.password}`).toString("base64"), connection: "close" },
        body: JSON.stringify({ method, params, id: 1 }),
      });
      return ((await res.json()) as { result: any }).result;
    };
    const group = async (id: number) => ((await own("listgroups", [0])) as { NZBID: number; Status: string }[]).find((g) => g.NZBID === id);

    beforeAll(async () => {
      nz = await release.start();
      for (const name of ["alpha", "beta"]) {
        // append(NZBFilename, Content, Category, Priority, AddToTop, AddPaused, DupeKey, DupeScore, DupeMode, PPParameters)
        ids[name] = await own("append", [`${name}.nzb`, Buffer.from(makeNzb(name)).toString("base64"), "tv", 0, false, false, "", 0, "SCORE", []]);
        expect(ids[name]).toBeGreaterThan(0);
      }
    });
    afterAll(async () => {
      await nz?.stop();
    });

    it("NZBs added through NZBGet's API appear in the queue with the contract's fields", async () => {
      const q = await queueOf("nzbget", nz.url, secrets());
      expect(q.status.paused).toBe(false);
      expect(q.items.map((i) => i.id).sort()).toEqual([String(ids.alpha), String(ids.beta)].sort());
      const a = q.items.find((i) => i.id === String(ids.alpha))!;
      expect(a).toMatchObject({ name: "alpha", type: "usenet", category: "tv" });
      expect(a.size).toBeGreaterThan(0);
      expect(["queued", "downloading"]).toContain(a.state);
    });

    it("pause and resume one job, then the whole client", async () => {
      await act("nzbget", nz.url, secrets(), (d, ctx) => d.pause(ctx, { itemIds: [String(ids.alpha)] }));
      expect((await group(ids.alpha!))?.Status).toBe("PAUSED");
      expect((await group(ids.beta!))?.Status).not.toBe("PAUSED");
      await act("nzbget", nz.url, secrets(), (d, ctx) => d.resume(ctx, { itemIds: [String(ids.alpha)] }));
      expect((await group(ids.alpha!))?.Status).not.toBe("PAUSED");

      await act("nzbget", nz.url, secrets(), (d, ctx) => d.pause(ctx, {}));
      expect((await own("status")).DownloadPaused).toBe(true);
      expect((await queueOf("nzbget", nz.url, secrets())).status.paused).toBe(true);
      await act("nzbget", nz.url, secrets(), (d, ctx) => d.resume(ctx, {}));
      expect((await own("status")).DownloadPaused).toBe(false);
    });

    it("remove sends GroupDelete (files deleted) or GroupParkDelete (files kept); the jobs leave the queue for history", async () => {
      await expectFailure("nzbget", nz.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: ["999999"], deleteFiles: true }), "UNEXPECTED_RESPONSE");
      const proxy = await startRecordingProxy(nz.url);
      try {
        await act("nzbget", proxy.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [String(ids.alpha)], deleteFiles: true }));
        await act("nzbget", proxy.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [String(ids.beta)], deleteFiles: false }));
        const edits = proxy.exchanges.map((e) => JSON.parse(e.requestBody) as { method: string; params: unknown[] }).filter((b) => b.method === "editqueue");
        expect(edits.map((e) => e.params)).toEqual([
          ["GroupDelete", "", [ids.alpha]],
          ["GroupParkDelete", "", [ids.beta]],
        ]);
      } finally {
        await proxy.close();
      }
      expect(await own("listgroups", [0])).toEqual([]);
      const history = (await own("history", [false])) as { NZBID: number; Status: string }[];
      expect(history.map((h) => h.NZBID).sort()).toEqual([ids.alpha, ids.beta].sort());
      expect(history.every((h) => h.Status.startsWith("DELETED"))).toBe(true);
    });
    it("a wrong credential on the queue and on an action is INVALID_CREDENTIALS, with no secret in the message", async () => {
      await expectFailure("nzbget", nz.url, { username: nz.credentials.username, password: "wrong-Pw-000" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
      await expectFailure("nzbget", nz.url, { username: nz.credentials.username, password: "wrong-Pw-000" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    });
  });
}
