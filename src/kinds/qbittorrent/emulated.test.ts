import { afterEach, describe, expect, it } from "vitest";
import { act, expectFailure, queueOf, runDownloads } from "../download-family/testing.js";
import { startQbittorrentEmulator, type QbEmulator, type QbRelease, type QbTorrent } from "./emulator.js";

/**
 * The qBittorrent kind against emulated 4.x, 5.0 and 5.2 (emulator.ts cites the source of each behaviour):
 * both login paths, the 5.2 login answers (issue #11: 204 on success, 401 on a wrong password), and the
 * downloads capability with the per-release endpoint names.
 */
const USER = "admin";
const PASS = "qb-emu-Secret-71c";
const KEY = "qbt_" + "a".repeat(14) + "B".repeat(14);
const torrents = (): QbTorrent[] => [
  { hash: "a".repeat(40), name: "Debian ISO", size: 1000, progress: 0.25, state: "downloading", dlspeed: 500, upspeed: 20, eta: 60, added_on: 1_700_000_100, category: "linux" },
  { hash: "b".repeat(40), name: "Seeded", size: 2000, progress: 1, state: "uploading", upspeed: 30 },
  { hash: "c".repeat(40), name: "Broken", size: 10, progress: 0, state: "missingFiles" },
];

let up: QbEmulator | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
const start = async (release: QbRelease, extra: Partial<Parameters<typeof startQbittorrentEmulator>[0]> = {}) =>
  (up = await startQbittorrentEmulator({ release, username: USER, password: PASS, apiKey: release === "5.2" ? KEY : undefined, torrents: torrents(), ...extra }));
const pw = { username: USER, password: PASS };
const test = (url: string, secrets: Record<string, string>) => runDownloads("qBittorrent", url, secrets, (_d, ctx) => import("./index.js").then((m) => m.default.test(ctx)));

describe("qBittorrent 5.2 login answers (issue #11)", () => {
  it("the right password (204, no body) succeeds", async () => {
    const qb = await start("5.2");
    expect(await test(qb.url, pw)).toEqual({ ok: true, value: { version: "5.2.3" } });
    const login = qb.requests.find((r) => r.url === "/api/v2/auth/login");
    expect(login).toBeDefined();
    // The session was closed again.
    expect(qb.requests.some((r) => r.url === "/api/v2/auth/logout")).toBe(true);
  });

  it("a wrong password (401 \"Unauthorized\") is INVALID_CREDENTIALS, not a CSRF problem", async () => {
    const qb = await start("5.2");
    const err = await expectFailure("qBittorrent", qb.url, { username: USER, password: "wrong-pw-1234" }, (_d, ctx) => import("./index.js").then((m) => m.default.test(ctx)), "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/username or password/);
    expect(err.message).not.toMatch(/CSRF|Host header/);
  });

  it("a request qBittorrent's CSRF check blocks is still HTTP_ERROR naming the Host header", async () => {
    const qb = await start("5.2");
    const err = await expectFailure(
      "qBittorrent",
      qb.url,
      pw,
      async (_d, ctx) => {
        const m = await import("./session.js");
        // As behind a proxy that rewrites Host: the Referer we send names another origin than the Host qBittorrent sees.
        return m.openSession({ ...ctx, url: new URL("http://elsewhere.invalid:1") });
      },
      "HTTP_ERROR",
    );
    expect(err.message).toMatch(/Host header/);
  });

  it("the API key (Bearer) succeeds; a wrong key is INVALID_CREDENTIALS", async () => {
    const qb = await start("5.2");
    expect(await test(qb.url, { apiKey: KEY })).toEqual({ ok: true, value: { version: "5.2.3" } });
    expect(qb.requests.some((r) => r.url.startsWith("/api/v2/auth/"))).toBe(false);
    await expectFailure("qBittorrent", qb.url, { apiKey: "qbt_" + "z".repeat(28) }, (_d, ctx) => import("./index.js").then((m) => m.default.test(ctx)), "INVALID_CREDENTIALS");
  });

  it("after too many failed logins the ban (403) says so", async () => {
    const qb = await start("5.2", { maxAuthFail: 2 });
    for (let i = 0; i < 2; i++) await test(qb.url, { username: USER, password: "nope-nope" });
    const r = await test(qb.url, pw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("INVALID_CREDENTIALS");
      expect(r.error.message).toMatch(/banned/);
    }
  });
});

describe.each([
  ["4.x", "4.6.7", "pause", "resume"],
  ["5.0", "5.1.2", "stop", "start"],
  ["5.2", "5.2.3", "stop", "start"],
] as const)("qBittorrent %s (emulated): downloads", (release, version, pauseAction, resumeAction) => {
  it("logs in with the password, API keys only from 5.2", async () => {
    const qb = await start(release);
    expect(await test(qb.url, pw)).toEqual({ ok: true, value: { version } });
    const wrong = await test(qb.url, { username: USER, password: "wrong-pw-1234" });
    expect(wrong).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    const key = await test(qb.url, { apiKey: KEY });
    if (release === "5.2") expect(key).toEqual({ ok: true, value: { version } });
    else expect(key).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS", message: expect.stringContaining("5.2") } });
  });

  it("queue maps torrents and transfer info", async () => {
    const qb = await start(release);
    const q = await queueOf("qBittorrent", qb.url, pw);
    expect(q.status).toEqual({ paused: false, downSpeed: 500, upSpeed: 50 });
    expect(q.items).toEqual([
      {
        id: "a".repeat(40),
        name: "Debian ISO",
        type: "torrent",
        state: "downloading",
        progress: 0.25,
        size: 1000,
        downloaded: 250,
        uploaded: 0,
        downSpeed: 500,
        upSpeed: 20,
        eta: 60,
        addedAt: new Date(1_700_000_100_000),
        category: "linux",
      },
      expect.objectContaining({ id: "b".repeat(40), state: "seeding", progress: 1, eta: null }),
      expect.objectContaining({ id: "c".repeat(40), state: "failed" }),
    ]);
    expect((await queueOf("qBittorrent", qb.url, pw, 1)).items).toHaveLength(1);
  });

  it(`pause/resume of items use torrents/${pauseAction}|${resumeAction}; the whole client is hashes=all`, async () => {
    const qb = await start(release);
    await act("qBittorrent", qb.url, pw, (d, ctx) => d.pause(ctx, { itemIds: ["a".repeat(40)] }));
    expect(qb.requests.some((r) => r.url === `/api/v2/torrents/${pauseAction}` && r.body === `hashes=${"a".repeat(40)}`)).toBe(true);
    let q = await queueOf("qBittorrent", qb.url, pw);
    expect(q.items.map((i) => i.state)).toEqual(["paused", "seeding", "failed"]);
    expect(q.status.paused).toBe(false);

    await act("qBittorrent", qb.url, pw, (d, ctx) => d.pause(ctx, {}));
    q = await queueOf("qBittorrent", qb.url, pw);
    expect(q.items.every((i) => i.state === "paused")).toBe(true);
    expect(q.status.paused).toBe(true);

    await act("qBittorrent", qb.url, pw, (d, ctx) => d.resume(ctx, {}));
    expect(qb.requests.some((r) => r.url === `/api/v2/torrents/${resumeAction}` && r.body === "hashes=all")).toBe(true);
    q = await queueOf("qBittorrent", qb.url, pw);
    expect(q.items.map((i) => i.state)).toEqual(["downloading", "seeding", "downloading"]);
    expect(q.status.paused).toBe(false);
  });

  it("remove with and without files; an unknown id fails and removes nothing", async () => {
    const qb = await start(release);
    await act("qBittorrent", qb.url, pw, (d, ctx) => d.remove(ctx, { itemIds: ["a".repeat(40)], deleteFiles: true }));
    await act("qBittorrent", qb.url, pw, (d, ctx) => d.remove(ctx, { itemIds: ["b".repeat(40)], deleteFiles: false }));
    expect(qb.deletedFiles).toEqual(["a".repeat(40)]);
    expect(qb.torrents.map((t) => t.hash)).toEqual(["c".repeat(40)]);
    const err = await expectFailure("qBittorrent", qb.url, pw, (d, ctx) => d.remove(ctx, { itemIds: ["c".repeat(40), "d".repeat(40)], deleteFiles: true }), "UNEXPECTED_RESPONSE");
    expect(err.message).toContain("d".repeat(40));
    expect(qb.torrents).toHaveLength(1);
  });

  it("a wrong password on the queue is INVALID_CREDENTIALS; a 500 is HTTP_ERROR; a malformed answer UNEXPECTED_RESPONSE", async () => {
    let qb = await start(release);
    await expectFailure("qBittorrent", qb.url, { username: USER, password: "wrong-pw-1234" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
    await qb.close();
    qb = await start(release, { fail: { torrentsInfo: "500" } });
    await expectFailure("qBittorrent", qb.url, pw, (d, ctx) => d.queue(ctx, { limit: 10 }), "HTTP_ERROR");
    await qb.close();
    qb = await start(release, { fail: { torrentsInfo: "malformed" } });
    await expectFailure("qBittorrent", qb.url, pw, (d, ctx) => d.queue(ctx, { limit: 10 }), "UNEXPECTED_RESPONSE");
  });
});
