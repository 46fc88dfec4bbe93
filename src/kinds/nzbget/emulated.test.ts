import { afterEach, describe, expect, it } from "vitest";
import { act, expectFailure, queueOf, runDownloads } from "../download-family/testing.js";
import def from "./index.js";
import { startNzbgetEmulator, type NzbEmulator, type NzbEmulatorOptions } from "./emulator.js";

/**
 * What differs between NZBGet v21.0 and v25.4 (emulator.ts cites the source) and what the kind must get right at
 * both: 64-bit sizes from Lo/Hi halves, the download speed (DownloadRate is 0 above 2 GiB/s on 24.2+, whose
 * DownloadRateLo/Hi carry it), and credentials that the path form would mangle.
 */
const USER = "admin";
const PASS = "nzb-emu-Secret-9a1";
const GIB = 1024 ** 3;

let up: NzbEmulator | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
const start = async (version: string, extra: Partial<NzbEmulatorOptions> = {}) => (up = await startNzbgetEmulator({ version, username: USER, password: PASS, ...extra }));
const pw = { username: USER, password: PASS };

describe.each(["21.0", "25.4"])("NZBGet %s (emulated)", (version) => {
  it("sizes above 4 GiB come from the Lo/Hi halves; states map; the limit applies", async () => {
    const nz = await start(version, {
      downloadRate: 5_000_000,
      groups: [
        { NZBID: 1, NZBName: "Big", size: 10 * GIB + 123, remaining: 5 * GIB, active: true, Category: "movies" },
        { NZBID: 2, NZBName: "Held", size: 1000, paused: true },
        { NZBID: 3, NZBName: "Next", size: 2000 },
      ],
    });
    const q = await queueOf("nzbget", nz.url, pw);
    expect(q.status).toEqual({ paused: false, downSpeed: 5_000_000 });
    expect(q.items).toEqual([
      { id: "1", name: "Big", type: "usenet", state: "downloading", progress: (5 * GIB + 123) / (10 * GIB + 123), size: 10 * GIB + 123, downloaded: 5 * GIB + 123, category: "movies" },
      { id: "2", name: "Held", type: "usenet", state: "paused", progress: 0, size: 1000, downloaded: 0 },
      { id: "3", name: "Next", type: "usenet", state: "queued", progress: 0, size: 2000, downloaded: 0 },
    ]);
    expect((await queueOf("nzbget", nz.url, pw, 2)).items).toHaveLength(2);
  });

  it("a password with ':', '/', '%' and spaces works: the kind sends a Basic header, not /user:pass/ in the path", async () => {
    const odd = "p:a/s%20s w";
    const nz = await start(version, { password: odd });
    expect(await runDownloads("nzbget", nz.url, { username: USER, password: odd }, (_d, ctx) => def.test(ctx))).toEqual({ ok: true, value: { version } });
    expect(nz.requests.every((r) => r.url === "/jsonrpc")).toBe(true);
  });

  it("a wrong password twice in a row (NZBGet closes the socket after its 401) is INVALID_CREDENTIALS both times", async () => {
    const nz = await start(version);
    for (let i = 0; i < 2; i++) {
      const err = await expectFailure("nzbget", nz.url, { username: USER, password: `wrong-${i}-pw` }, (_d, ctx) => def.test(ctx), "INVALID_CREDENTIALS");
      expect(err.details).toMatchObject({ statusCode: 401 });
    }
  });

  it("remove of an id no longer queued: editqueue answers false and the capability fails without touching the rest", async () => {
    const nz = await start(version, { groups: [{ NZBID: 7, NZBName: "Keep", size: 10 }] });
    await expectFailure("nzbget", nz.url, pw, (d, ctx) => d.remove(ctx, { itemIds: ["7", "8"], deleteFiles: true }), "UNEXPECTED_RESPONSE");
    expect(nz.groups.map((g) => g.NZBID)).toEqual([7]);
    await act("nzbget", nz.url, pw, (d, ctx) => d.remove(ctx, { itemIds: ["7"], deleteFiles: true }));
    expect(nz.cleanedUp).toEqual([7]);
    expect(nz.history).toEqual([{ NZBID: 7, Name: "Keep", Status: "DELETED/MANUAL", Category: "" }]);
  });
});

describe("NZBGet download speed above 2 GiB/s (emulated)", () => {
  const rate = 3 * GIB;
  it("v25.4: DownloadRate is 0 (SafeIntCast), the capability reads DownloadRateLo/Hi", async () => {
    const nz = await start("25.4", { downloadRate: rate });
    const raw = await fetch(`${nz.url}/jsonrpc`, { method: "POST", headers: { authorization: "Basic " + Buffer.from(`${USER}:${PASS}`).toString("base64") }, body: JSON.stringify({ method: "status", params: [] }) });
    expect(((await raw.json()) as { result: Record<string, number> }).result).toMatchObject({ DownloadRate: 0, DownloadRateLo: rate % 2 ** 32, DownloadRateHi: 0 });
    expect((await queueOf("nzbget", nz.url, pw)).status.downSpeed).toBe(rate);
  });

  it("v21.0 has only the 32-bit DownloadRate, which wraps: the capability never reports a negative speed", async () => {
    const nz = await start("21.0", { downloadRate: rate });
    expect((await queueOf("nzbget", nz.url, pw)).status.downSpeed).toBe(0);
  });
});
