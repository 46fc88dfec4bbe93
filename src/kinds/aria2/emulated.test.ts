import { afterEach, describe, expect, it } from "vitest";
import { act, expectFailure, queueOf, runDownloads } from "../download-family/testing.js";
import def from "./index.js";
import { startAria2Emulator, type Aria2Download, type Aria2Emulator, type Aria2Release } from "./emulator.js";

/** The aria2 kind against emulated 1.36 and 1.37 (emulator.ts cites the source of each behaviour). */
const TOKEN = "aria2-emu-Token-8c1";
const G = (c: string) => c.repeat(16);
const downloads = (): Aria2Download[] => [
  { gid: G("a"), status: "active", totalLength: 1000, completedLength: 250, downloadSpeed: 50, uploadSpeed: 0, path: "/dl/ubuntu.iso", uri: "http://mirror.invalid/ubuntu.iso" },
  { gid: G("b"), status: "paused", totalLength: 2000, completedLength: 0, path: "", uri: "http://mirror.invalid/files/debian%20live.iso?key=hidden" },
  { gid: G("c"), status: "active", totalLength: 500, completedLength: 500, uploadLength: 90, uploadSpeed: 7, path: "/dl/film", torrentName: "Film" },
  { gid: G("d"), status: "complete", totalLength: 10, completedLength: 10, path: "/dl/done.txt" },
  { gid: G("e"), status: "error", totalLength: 0, completedLength: 0, path: "", uri: "http://gone.invalid/x.bin", errorMessage: "404" },
];

let up: Aria2Emulator | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
const start = async (release: Aria2Release, extra: Partial<Parameters<typeof startAria2Emulator>[0]> = {}) =>
  (up = await startAria2Emulator({ release, token: TOKEN, downloads: downloads(), unauthorizedDelayMs: 20, ...extra }));
const secrets = { token: TOKEN };
const test = (url: string, s: Record<string, string>) => runDownloads("aria2", url, s, (_d, ctx) => def.test(ctx));
const statuses = (ar: Aria2Emulator) => ar.downloads.map((d) => d.status);

describe.each([
  ["1.36", "1.36.0"],
  ["1.37", "1.37.0"],
] as const)("aria2 %s (emulated): downloads", (release, version) => {
  it("the connection test reports the version; a wrong token is INVALID_CREDENTIALS after aria2's 1 s delay", async () => {
    const ar = await start(release, { unauthorizedDelayMs: undefined });
    expect(await test(ar.url, secrets)).toEqual({ ok: true, value: { version } });
    const t0 = Date.now();
    const err = await expectFailure("aria2", ar.url, { token: "wrong-token-000" }, (_d, ctx) => def.test(ctx), "INVALID_CREDENTIALS");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(err.details).toMatchObject({ statusCode: 400 });
  });

  it("queue maps active, waiting and stopped downloads; a URI's query never becomes the name", async () => {
    const ar = await start(release);
    const q = await queueOf("aria2", ar.url, secrets);
    expect(q.status).toEqual({ paused: false, downSpeed: 50, upSpeed: 7 });
    expect(q.items.map((i) => [i.id, i.name, i.type, i.state])).toEqual([
      [G("a"), "ubuntu.iso", "direct", "downloading"],
      [G("c"), "Film", "torrent", "seeding"],
      [G("b"), "debian live.iso", "direct", "paused"],
      [G("d"), "done.txt", "direct", "completed"],
      [G("e"), "x.bin", "direct", "failed"],
    ]);
    expect(q.items[0]).toMatchObject({ progress: 0.25, size: 1000, downloaded: 250, downSpeed: 50, eta: 15 });
    expect(JSON.stringify(q)).not.toContain("hidden");
    expect((await queueOf("aria2", ar.url, secrets, 2)).items).toHaveLength(2);
  });

  it("pause/resume items and the whole client; an already paused item is left alone", async () => {
    const ar = await start(release);
    await act("aria2", ar.url, secrets, (d, ctx) => d.pause(ctx, { itemIds: [G("a"), G("b")] }));
    expect(statuses(ar).slice(0, 3)).toEqual(["paused", "paused", "active"]);
    await act("aria2", ar.url, secrets, (d, ctx) => d.resume(ctx, { itemIds: [G("a")] }));
    expect(statuses(ar).slice(0, 3)).toEqual(["waiting", "paused", "active"]);
    await act("aria2", ar.url, secrets, (d, ctx) => d.pause(ctx, {}));
    expect((await queueOf("aria2", ar.url, secrets)).status.paused).toBe(true);
    await act("aria2", ar.url, secrets, (d, ctx) => d.resume(ctx, {}));
    expect(statuses(ar).slice(0, 3)).toEqual(["waiting", "waiting", "waiting"]);
    const err = await expectFailure("aria2", ar.url, secrets, (d, ctx) => d.pause(ctx, { itemIds: ["0123456789abcdef"] }), "UNEXPECTED_RESPONSE");
    expect(err.message).toMatch(/GID 0123456789abcdef is not found/);
  });

  it("remove drops unfinished and finished downloads with their results; deleteFiles is refused", async () => {
    const ar = await start(release);
    await expectFailure("aria2", ar.url, secrets, (d, ctx) => d.remove(ctx, { itemIds: [G("a")], deleteFiles: true }), "UNEXPECTED_RESPONSE");
    expect(ar.downloads).toHaveLength(5);
    await act("aria2", ar.url, secrets, (d, ctx) => d.remove(ctx, { itemIds: [G("a"), G("b"), G("d")], deleteFiles: false }));
    expect(ar.downloads.map((d) => d.gid)).toEqual([G("c"), G("e")]);
    await expectFailure("aria2", ar.url, secrets, (d, ctx) => d.remove(ctx, { itemIds: [G("a")], deleteFiles: false }), "UNEXPECTED_RESPONSE");
  });

  it("failures: wrong token on an action, 500, malformed tellActive, another JSON-RPC method error", async () => {
    let ar = await start(release);
    await expectFailure("aria2", ar.url, { token: "nope-nope" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    await ar.close();
    ar = await start(release, { fail: { tellActive: "500" } });
    await expectFailure("aria2", ar.url, secrets, (d, ctx) => d.queue(ctx, { limit: 5 }), "HTTP_ERROR");
    await ar.close();
    ar = await start(release, { fail: { tellActive: "malformed" } });
    await expectFailure("aria2", ar.url, secrets, (d, ctx) => d.queue(ctx, { limit: 5 }), "UNEXPECTED_RESPONSE");
  });

  it("an aria2 without --rpc-secret accepts any token (documented limit)", async () => {
    const ar = await start(release, { token: undefined });
    expect(await test(ar.url, { token: "anything-at-all" })).toEqual({ ok: true, value: { version } });
  });
});
