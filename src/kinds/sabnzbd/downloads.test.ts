import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, eventually, expectFailure, queueOf } from "../download-family/testing.js";
import { makeNzb } from "../download-family/torrent.js";
import { tempDir } from "../testing/real-daemon.js";
import { startSabnzbdEmulator } from "./emulator.js";
import { available, SAB_START_MS, startSabnzbd } from "./real.js";

/**
 * The downloads capability against each release of SABnzbd's matrix (issues #11, #12): the emulated oldest
 * supported (3.0.0) and newest 4.x (4.5.5), and Debian 12's real 3.7.1. NZBs added through SABnzbd's own API
 * (mode=addfile) sit in the queue (the real one has no news server, so nothing leaves loopback);
 * pause/resume/remove through the capability change SABnzbd's state, read back through mode=queue, and
 * del_files=1 deletes the job's folder under download_dir.
 */
interface UnderTest {
  url: string;
  apiKey: string;
  /** download_dir: one folder per job. */
  incomplete: string;
  stop(): Promise<void>;
}

const API_KEY = "5ab1e5ec7e7a41c6b0d2f3a4c5e6f7a8";
const emulated = (version: string) => ({
  label: `SABnzbd ${version} (emulated)`,
  available: () => true,
  async start(): Promise<UnderTest> {
    const dir = tempDir("sabnzbd-emu");
    const incomplete = path.join(dir, "incomplete");
    const sab = await startSabnzbdEmulator({ version, apiKey: API_KEY, nzbKey: "0b5d1c9e8f7a46b3a2c1d0e9f8a7b6c5", downloadDir: incomplete });
    return { url: sab.url, apiKey: API_KEY, incomplete, stop: async () => (await sab.close(), fs.rmSync(dir, { recursive: true, force: true })) };
  },
});
const releases = [
  emulated("3.0.0"),
  emulated("4.5.5"),
  {
    label: "Debian 12 sabnzbdplus (real)",
    available,
    async start(): Promise<UnderTest> {
      const sab = await startSabnzbd();
      return { url: sab.url, apiKey: sab.credentials.apiKey, incomplete: path.join(sab.configDir, "incomplete"), stop: () => sab.stop() };
    },
  },
];

for (const release of releases) {
  describe.skipIf(!release.available())(`SABnzbd downloads (${release.label})`, () => {
    let sab: UnderTest;
    const ids: Record<string, string> = {};
    const secrets = () => ({ apiKey: sab.apiKey });
    const own = async (query: Record<string, string>, body?: FormData) => {
      const res = await fetch(`${sab.url}/api?${new URLSearchParams({ ...query, output: "json", apikey: sab.apiKey })}`, { method: body ? "POST" : "GET", body });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, any>;
    };
    const slot = async (id: string) => ((await own({ mode: "queue" })).queue.slots as { nzo_id: string; status: string }[]).find((s) => s.nzo_id === id);

    beforeAll(async () => {
      sab = await release.start();
      for (const name of ["alpha", "beta"]) {
        const form = new FormData();
        form.append("name", new Blob([makeNzb(name)], { type: "application/x-nzb" }), `${name}.nzb`);
        const r = await own({ mode: "addfile" }, form);
        expect(r.status).toBe(true);
        ids[name] = r.nzo_ids[0];
      }
    }, SAB_START_MS);
    afterAll(async () => {
      await sab?.stop();
    });

    it("NZBs added through SABnzbd's API appear in the queue with the contract's fields", async () => {
      await eventually(async () => (await queueOf("sabnzbd", sab.url, secrets())).items.length === 2, "jobs queued");
      const q = await queueOf("sabnzbd", sab.url, secrets());
      expect(q.status.paused).toBe(false);
      expect(q.items.find((i) => i.id === ids.alpha)).toMatchObject({ id: ids.alpha, name: "alpha", type: "usenet", progress: 0 });
      expect(q.items.find((i) => i.id === ids.alpha)!.size).toBeGreaterThan(0);
    });

    it("pause and resume one job, then the whole client", async () => {
      await act("sabnzbd", sab.url, secrets(), (d, ctx) => d.pause(ctx, { itemIds: [ids.alpha!] }));
      expect((await slot(ids.alpha!))?.status).toBe("Paused");
      expect((await slot(ids.beta!))?.status).not.toBe("Paused");
      expect((await queueOf("sabnzbd", sab.url, secrets())).items.find((i) => i.id === ids.alpha)?.state).toBe("paused");
      await act("sabnzbd", sab.url, secrets(), (d, ctx) => d.resume(ctx, { itemIds: [ids.alpha!] }));
      expect((await slot(ids.alpha!))?.status).not.toBe("Paused");

      await act("sabnzbd", sab.url, secrets(), (d, ctx) => d.pause(ctx, {}));
      expect((await own({ mode: "queue" })).queue.paused).toBe(true);
      expect((await queueOf("sabnzbd", sab.url, secrets())).status.paused).toBe(true);
      await act("sabnzbd", sab.url, secrets(), (d, ctx) => d.resume(ctx, {}));
      expect((await own({ mode: "queue" })).queue.paused).toBe(false);
    });

    it("remove with del_files deletes the job's folder; without keeps it; an unknown id is refused", async () => {
      await expectFailure("sabnzbd", sab.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: ["SABnzbd_nzo_nope"], deleteFiles: true }), "UNEXPECTED_RESPONSE");
      expect(fs.readdirSync(sab.incomplete).sort()).toEqual(["alpha", "beta"]);
      await act("sabnzbd", sab.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [ids.alpha!], deleteFiles: true }));
      await act("sabnzbd", sab.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [ids.beta!], deleteFiles: false }));
      expect((await own({ mode: "queue" })).queue.slots).toEqual([]);
      await eventually(async () => !fs.existsSync(path.join(sab.incomplete, "alpha")), "alpha's folder deleted");
      expect(fs.existsSync(path.join(sab.incomplete, "beta"))).toBe(true);
    });
    it("a wrong credential on the queue and on an action is INVALID_CREDENTIALS, with no secret in the message", async () => {
      await expectFailure("sabnzbd", sab.url, { apiKey: "0000000000000000000000000000dead" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
      await expectFailure("sabnzbd", sab.url, { apiKey: "0000000000000000000000000000dead" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    });
  });
}
