import { afterEach, describe, expect, it } from "vitest";
import { expectFailure, queueOf, runDownloads } from "../download-family/testing.js";
import def from "./index.js";
import { startSabnzbdEmulator, type SabEmulator, type SabEmulatorOptions } from "./emulator.js";

/**
 * What differs between SABnzbd 3.0.0 and 4.5.5 (emulator.ts cites the source): the answer to a wrong or missing
 * key (200 + JSON error before 3.3.0, 403 + text after), and the queue fields the capability maps.
 */
const KEY = "5ab1e5ec7e7a41c6b0d2f3a4c5e6f7a8";
const NZB_KEY = "0b5d1c9e8f7a46b3a2c1d0e9f8a7b6c5";
const MIB = 1024 * 1024;

let up: SabEmulator | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
const start = async (version: string, extra: Partial<SabEmulatorOptions> = {}) => (up = await startSabnzbdEmulator({ version, apiKey: KEY, nzbKey: NZB_KEY, ...extra }));
const test = (url: string, apiKey: string) => runDownloads("sabnzbd", url, { apiKey }, (_d, ctx) => def.test(ctx));
const raw = (url: string, query: Record<string, string>) => fetch(`${url}/api?${new URLSearchParams(query)}`);

describe.each([
  ["3.0.0", 200],
  ["4.5.5", 403],
] as const)("SABnzbd %s (emulated)", (version, keyStatus) => {
  it(`a wrong key, no key and the NZB key answer ${keyStatus}; each is INVALID_CREDENTIALS with that status`, async () => {
    const sab = await start(version);
    const wrong = await raw(sab.url, { mode: "queue", output: "json", apikey: "nope" });
    expect(wrong.status).toBe(keyStatus);
    expect(await wrong.text()).toMatch(/API Key Incorrect/);
    for (const key of ["0000000000000000000000000000dead", "", NZB_KEY]) {
      const err = await expectFailure("sabnzbd", sab.url, { apiKey: key }, (_d, ctx) => def.test(ctx), "INVALID_CREDENTIALS");
      expect(err.details).toMatchObject({ statusCode: keyStatus });
    }
    expect(await test(sab.url, KEY)).toEqual({ ok: true, value: { version } });
  });

  it("mode=version answers any key, so the connection test proves the key with mode=queue&output=json", async () => {
    const sab = await start(version);
    const v = await raw(sab.url, { mode: "version", output: "json", apikey: "nope" });
    expect(await v.json()).toEqual({ version });
    await test(sab.url, KEY);
    const sent = new URL(sab.requests.at(-1)!.url, "http://x").searchParams;
    expect(Object.fromEntries(sent)).toMatchObject({ mode: "queue", output: "json", apikey: KEY });
  });

  it("queue: sizes in MiB strings, percentage, timeleft and the downloader's speed map to the contract", async () => {
    const sab = await start(version, {
      bps: 2 * MIB,
      jobs: [
        { nzo_id: "SABnzbd_nzo_a", name: "Alpha", bytes: 100 * MIB, bytesLeft: 75 * MIB, cat: "tv" },
        { nzo_id: "SABnzbd_nzo_b", name: "Beta", bytes: 10 * MIB, status: "Paused" },
      ],
    });
    const q = await queueOf("sabnzbd", sab.url, { apiKey: KEY });
    expect(q.status).toEqual({ paused: false, downSpeed: 2 * MIB });
    expect(q.items).toEqual([
      // 75 MiB at 2 MiB/s: "0:00:37" (calc_timeleft truncates).
      { id: "SABnzbd_nzo_a", name: "Alpha", type: "usenet", state: "downloading", progress: 0.25, size: 100 * MIB, downloaded: 25 * MIB, eta: 37, category: "tv" },
      { id: "SABnzbd_nzo_b", name: "Beta", type: "usenet", state: "paused", progress: 0, size: 10 * MIB, downloaded: 0, eta: null },
    ]);
    expect((await queueOf("sabnzbd", sab.url, { apiKey: KEY }, 1)).items.map((i) => i.id)).toEqual(["SABnzbd_nzo_a"]);
  });
});

describe("SABnzbd release differences (emulated)", () => {
  it("3.3.0+ with api_warnings off: a wrong key is a bare 403, reported as HTTP_ERROR that names the key among the causes", async () => {
    const sab = await start("4.5.5", { apiWarnings: false });
    const err = await expectFailure("sabnzbd", sab.url, { apiKey: "0000000000000000000000000000dead" }, (_d, ctx) => def.test(ctx), "HTTP_ERROR");
    expect(err.message).toMatch(/API key.*api_warnings/);
  });

  it("without output=json, 3.0.0 answers plain text and 4.5.5 JSON (the kind always asks for JSON)", async () => {
    const old = await start("3.0.0");
    expect(await (await raw(old.url, { mode: "version" })).text()).toBe("3.0.0\n");
    expect(await (await raw(old.url, { mode: "queue", apikey: "nope" })).text()).toBe("error: API Key Incorrect\n");
    await old.close();
    const sab = await start("4.5.5");
    expect(await (await raw(sab.url, { mode: "version" })).json()).toEqual({ version: "4.5.5" });
  });

  it("4.5.5's queue has time_added and status, 3.0.0's not; the capability reads neither", async () => {
    for (const version of ["3.0.0", "4.5.5"]) {
      const sab = await start(version, { jobs: [{ nzo_id: "SABnzbd_nzo_a", name: "Alpha", bytes: MIB }] });
      const q = (await (await raw(sab.url, { mode: "queue", output: "json", apikey: KEY })).json()) as { queue: Record<string, any> };
      expect("status" in q.queue).toBe(version === "4.5.5");
      expect("time_added" in q.queue.slots[0]).toBe(version === "4.5.5");
      expect((await queueOf("sabnzbd", sab.url, { apiKey: KEY })).items).toHaveLength(1);
      await sab.close();
    }
  });

  it("queue pause echoes unknown ids as handled (nzbqueue.py pause_multiple_nzo), so the capability checks ids first", async () => {
    const sab = await start("4.5.5", { jobs: [{ nzo_id: "SABnzbd_nzo_a", name: "Alpha", bytes: MIB }] });
    const echoed = await (await raw(sab.url, { mode: "queue", name: "pause", value: "SABnzbd_nzo_zz", output: "json", apikey: KEY })).json();
    expect(echoed).toEqual({ status: true, nzo_ids: ["SABnzbd_nzo_zz"] });
    const err = await expectFailure("sabnzbd", sab.url, { apiKey: KEY }, (d, ctx) => d.pause(ctx, { itemIds: ["SABnzbd_nzo_a", "SABnzbd_nzo_zz"] }), "UNEXPECTED_RESPONSE");
    expect(err.message).toContain("SABnzbd_nzo_zz");
    expect(sab.jobs[0]!.status ?? "Queued").toBe("Queued");
  });
});
