import { afterEach, describe, expect, it } from "vitest";
import { act, expectFailure, queueOf, runDownloads } from "../download-family/testing.js";
import def from "./index.js";
import { startTransmissionEmulator, type TrEmulator, type TrRelease, type TrTorrent } from "./emulator.js";

/** The transmission kind against emulated 3.00, 4.0 and 4.1 (emulator.ts cites the source of each behaviour). */
const USER = "tr-user";
const PASS = "tr-emu-Secret-55a";
const pw = { username: USER, password: PASS };
const H = (c: string) => c.repeat(40);
const torrents = (): TrTorrent[] => [
  { hashString: H("a"), name: "Debian ISO", status: 4, percentDone: 0.5, sizeWhenDone: 1000, rateDownload: 300, rateUpload: 10, eta: 20, addedDate: 1_700_000_200 },
  { hashString: H("b"), name: "Seeded", status: 6, percentDone: 1, sizeWhenDone: 2000, rateUpload: 40 },
  { hashString: H("c"), name: "Queued", status: 3, percentDone: 0, sizeWhenDone: 10, eta: -2 },
];

let up: TrEmulator | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
const start = async (release: TrRelease, extra: Partial<Parameters<typeof startTransmissionEmulator>[0]> = {}) =>
  (up = await startTransmissionEmulator({ release, username: USER, password: PASS, torrents: torrents(), ...extra }));
const test = (url: string, secrets: Record<string, string>) => runDownloads("transmission", url, secrets, (_d, ctx) => def.test(ctx));

describe("Transmission's 403s (issue #11: the brute-force lockout is not an IP-whitelist problem)", () => {
  it("3.00: after 100 failed logins the lockout is INVALID_CREDENTIALS naming the restart", async () => {
    const tr = await start("3.00");
    for (let i = 0; i < 100; i++) await test(tr.url, { username: USER, password: "wrong-" + i });
    const r = await test(tr.url, pw);
    expect(r).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS", details: { statusCode: 403 } } });
    if (!r.ok) {
      expect(r.error.message).toMatch(/too many failed logins/);
      expect(r.error.message).not.toMatch(/rpc-whitelist/);
    }
  });

  it("3.00: a non-whitelisted address names rpc-whitelist only", async () => {
    const tr = await start("3.00", { notWhitelisted: true });
    const r = await test(tr.url, pw);
    expect(r).toMatchObject({ ok: false, error: { code: "HTTP_ERROR", details: { statusCode: 403 } } });
    if (!r.ok) expect(r.error.message).not.toMatch(/brute-force/);
  });

  it("4.x: the bare 403 (lockout or whitelist, identical answers) names both causes", async () => {
    const tr = await start("4.0", { antiBruteForce: 2 });
    for (let i = 0; i < 2; i++) await test(tr.url, { username: USER, password: "wrong-" + i });
    const r = await test(tr.url, pw);
    expect(r).toMatchObject({ ok: false, error: { code: "HTTP_ERROR", details: { statusCode: 403 } } });
    if (!r.ok) expect(r.error.message).toMatch(/rpc-whitelist.*brute-force|brute-force.*rpc-whitelist/);
  });
});

describe.each([
  ["3.00", "3.00"],
  ["4.0", "4.0.6"],
  ["4.1", "4.1.0"],
] as const)("Transmission %s (emulated): downloads", (release, version) => {
  it("the connection test reports the version; a wrong password is INVALID_CREDENTIALS", async () => {
    const tr = await start(release);
    expect(await test(tr.url, pw)).toEqual({ ok: true, value: { version } });
    await expectFailure("transmission", tr.url, { username: USER, password: "wrong-pw-1" }, (_d, ctx) => def.test(ctx), "INVALID_CREDENTIALS");
  });

  it("queue maps torrents and session stats", async () => {
    const tr = await start(release);
    const q = await queueOf("transmission", tr.url, pw);
    expect(q.status).toEqual({ paused: false, downSpeed: 300, upSpeed: 50 });
    expect(q.items[0]).toEqual({
      id: H("a"),
      name: "Debian ISO",
      type: "torrent",
      state: "downloading",
      progress: 0.5,
      size: 1000,
      downloaded: 500,
      uploaded: 0,
      downSpeed: 300,
      upSpeed: 10,
      eta: 20,
      addedAt: new Date(1_700_000_200_000),
    });
    expect(q.items.slice(1).map((i) => [i.state, i.eta])).toEqual([
      ["seeding", null],
      ["queued", null],
    ]);
    expect((await queueOf("transmission", tr.url, pw, 2)).items).toHaveLength(2);
  });

  it("pause/resume items and the whole client; remove with and without data", async () => {
    const tr = await start(release);
    await act("transmission", tr.url, pw, (d, ctx) => d.pause(ctx, { itemIds: [H("a")] }));
    expect(tr.torrents.map((t) => t.status)).toEqual([0, 6, 3]);
    await act("transmission", tr.url, pw, (d, ctx) => d.pause(ctx, {}));
    expect((await queueOf("transmission", tr.url, pw)).status.paused).toBe(true);
    await act("transmission", tr.url, pw, (d, ctx) => d.resume(ctx, {}));
    expect(tr.torrents.map((t) => t.status)).toEqual([4, 6, 4]);
    await act("transmission", tr.url, pw, (d, ctx) => d.remove(ctx, { itemIds: [H("a")], deleteFiles: true }));
    await act("transmission", tr.url, pw, (d, ctx) => d.remove(ctx, { itemIds: [H("b")], deleteFiles: false }));
    expect(tr.deletedData).toEqual([H("a")]);
    expect(tr.torrents.map((t) => t.hashString)).toEqual([H("c")]);
    await expectFailure("transmission", tr.url, pw, (d, ctx) => d.pause(ctx, { itemIds: [H("z")] }), "UNEXPECTED_RESPONSE");
  });

  it("failures: wrong password, 500, malformed torrent-get", async () => {
    let tr = await start(release);
    await expectFailure("transmission", tr.url, { username: USER, password: "nope-nope" }, (d, ctx) => d.queue(ctx, { limit: 5 }), "INVALID_CREDENTIALS");
    await tr.close();
    tr = await start(release, { fail: { torrentGet: "500" } });
    await expectFailure("transmission", tr.url, pw, (d, ctx) => d.queue(ctx, { limit: 5 }), "HTTP_ERROR");
    await tr.close();
    tr = await start(release, { fail: { torrentGet: "malformed" } });
    await expectFailure("transmission", tr.url, pw, (d, ctx) => d.queue(ctx, { limit: 5 }), "UNEXPECTED_RESPONSE");
  });
});
