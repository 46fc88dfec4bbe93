import { afterEach, describe, expect, it } from "vitest";
import { act, expectFailure, queueOf, runDownloads } from "../download-family/testing.js";
import def from "./index.js";
import { startDelugeEmulator, type DelugeDaemon, type DelugeEmulator, type DelugeRelease, type DelugeTorrent } from "./emulator.js";

/**
 * The deluge kind against emulated deluge-web 2.0, 2.1 and 2.2 (emulator.ts cites the source of each
 * behaviour): connecting a detached web UI, keeping a web UI that is already connected to another daemon, the
 * downloads capability, and the protocol differences between the releases.
 */
const PASS = "dl-emu-Secret-3a9";
const H = (c: string) => c.repeat(40);
const torrents = (): DelugeTorrent[] => [
  { hash: H("a"), name: "Debian ISO", state: "Downloading", progress: 25, total_wanted: 1000, download_payload_rate: 400, upload_payload_rate: 5, eta: 30, time_added: 1_700_000_100 },
  { hash: H("b"), name: "Seeded <b>", state: "Seeding", progress: 100, total_wanted: 2000, total_uploaded: 900, upload_payload_rate: 50, time_added: 1_700_000_200 },
  { hash: H("c"), name: "Queued", state: "Queued", progress: 0, total_wanted: 10, eta: 0, time_added: 1_700_000_300 },
];
const host = (id: string, extra: Partial<DelugeDaemon> = {}): DelugeDaemon => ({ id, host: "127.0.0.1", port: 58846, online: true, torrents: torrents(), ...extra });

let up: DelugeEmulator | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
const start = async (release: DelugeRelease, extra: Partial<Parameters<typeof startDelugeEmulator>[0]> = {}) =>
  (up = await startDelugeEmulator({ release, password: PASS, daemons: [host("h1")], ...extra }));
const pw = { password: PASS };
const test = (url: string, secrets: Record<string, string>) => runDownloads("deluge", url, secrets, (_d, ctx) => def.test(ctx));

/** Our own JSON-RPC call, to look at the emulator from outside the adapter. */
async function rpc(url: string, method: string, params: unknown[] = [], headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/json`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ method, params, id: 7 }) });
  return { status: res.status, cookie: res.headers.get("set-cookie") ?? "", body: (await res.json()) as { result: unknown; error: { code: number; message: string } | null; id: unknown } };
}

describe.each([
  ["2.0", "2.0.3"],
  ["2.1", "2.1.1"],
  ["2.2", "2.2.0"],
] as const)("Deluge %s (emulated)", (release, version) => {
  it("the connection test connects a detached web UI to the online daemon, reports its version and deletes its session", async () => {
    const dl = await start(release, { daemons: [host("h0", { online: false, port: 1 }), host("h1")] });
    expect(await test(dl.url, pw)).toEqual({ ok: true, value: { version } });
    expect(dl.connectedTo()).toBe("h1");
    expect(dl.methods).toEqual(["auth.login", "web.connected", "web.get_hosts", "web.get_host_status", "web.get_host_status", "web.connect", "web.connected", "daemon.get_version", "auth.delete_session"]);
    await expectFailure("deluge", dl.url, { password: "wrong-pw-0001" }, (_d, ctx) => def.test(ctx), "INVALID_CREDENTIALS");
  });

  it("a web UI already connected to another daemon keeps it: no web.get_hosts, no web.connect", async () => {
    const other = host("h2", { torrents: [{ hash: H("9"), name: "On the other daemon", state: "Seeding", progress: 100, total_wanted: 5 }] });
    const dl = await start(release, { daemons: [host("h1"), other], connectedTo: "h2" });
    const q = await queueOf("deluge", dl.url, pw);
    expect(q.items.map((i) => i.name)).toEqual(["On the other daemon"]);
    expect(dl.methods).not.toContain("web.connect");
    expect(dl.methods).not.toContain("web.get_hosts");
    expect(dl.connectedTo()).toBe("h2");
    await act("deluge", dl.url, pw, (d, ctx) => d.pause(ctx, { itemIds: [H("9")] }));
    expect(dl.daemons[1]!.torrents[0]!.state).toBe("Paused");
    expect(dl.daemons[0]!.torrents.map((t) => t.state)).toEqual(["Downloading", "Seeding", "Queued"]);
  });

  it("queue maps torrents and session rates (oldest first)", async () => {
    const dl = await start(release, { connectedTo: "h1" });
    const q = await queueOf("deluge", dl.url, pw);
    expect(q.status).toEqual({ paused: false, downSpeed: 400, upSpeed: 55 });
    expect(q.items[0]).toEqual({
      id: H("a"),
      name: "Debian ISO",
      type: "torrent",
      state: "downloading",
      progress: 0.25,
      size: 1000,
      downloaded: 250,
      uploaded: 0,
      downSpeed: 400,
      upSpeed: 5,
      eta: 30,
      addedAt: new Date(1_700_000_100_000),
    });
    // core.* is never XML-escaped (only 2.0's web.get_torrent_status was).
    expect(q.items.slice(1).map((i) => [i.name, i.state, i.eta])).toEqual([
      ["Seeded <b>", "seeding", 0],
      ["Queued", "queued", null],
    ]);
    expect((await queueOf("deluge", dl.url, pw, 1)).items).toHaveLength(1);
  });

  it("pause/resume torrents and the whole session; remove with and without data; an unknown id is refused", async () => {
    const dl = await start(release, { connectedTo: "h1" });
    const d = dl.daemons[0]!;
    await act("deluge", dl.url, pw, (c, ctx) => c.pause(ctx, { itemIds: [H("a")] }));
    expect(d.torrents.map((t) => t.state)).toEqual(["Paused", "Seeding", "Queued"]);
    await act("deluge", dl.url, pw, (c, ctx) => c.resume(ctx, { itemIds: [H("a")] }));
    expect(d.torrents[0]!.state).toBe("Downloading");
    await act("deluge", dl.url, pw, (c, ctx) => c.pause(ctx, {}));
    const paused = await queueOf("deluge", dl.url, pw);
    expect(paused.status.paused).toBe(true);
    expect(paused.items.every((i) => i.state === "paused")).toBe(true);
    await act("deluge", dl.url, pw, (c, ctx) => c.resume(ctx, {}));
    expect(d.sessionPaused).toBe(false);
    await expectFailure("deluge", dl.url, pw, (c, ctx) => c.remove(ctx, { itemIds: [H("f")], deleteFiles: true }), "UNEXPECTED_RESPONSE");
    await act("deluge", dl.url, pw, (c, ctx) => c.remove(ctx, { itemIds: [H("a")], deleteFiles: true }));
    await act("deluge", dl.url, pw, (c, ctx) => c.remove(ctx, { itemIds: [H("b")], deleteFiles: false }));
    expect(d.deletedData).toEqual([H("a")]);
    expect(d.torrents.map((t) => t.hash)).toEqual([H("c")]);
  });

  it("no known daemon online: UNEXPECTED_RESPONSE naming where the web UI looks, nothing connected", async () => {
    const dl = await start(release, { daemons: [host("h1", { online: false, port: 58999 })] });
    const err = await expectFailure("deluge", dl.url, pw, (_d, ctx) => def.test(ctx), "UNEXPECTED_RESPONSE");
    expect(err.message).toMatch(/Connection Manager/);
    expect(err.message).toContain("127.0.0.1:58999");
    expect(dl.connectedTo()).toBeUndefined();
  });

  it("failures: a malformed status answer and a daemon-side error", async () => {
    let dl = await start(release, { connectedTo: "h1", fail: { torrentsStatus: "malformed" } });
    await expectFailure("deluge", dl.url, pw, (d, ctx) => d.queue(ctx, { limit: 5 }), "UNEXPECTED_RESPONSE");
    await dl.close();
    dl = await start(release, { connectedTo: "h1", fail: { torrentsStatus: "daemon-error" } });
    const err = await expectFailure("deluge", dl.url, pw, (d, ctx) => d.queue(ctx, { limit: 5 }), "UNEXPECTED_RESPONSE");
    expect(err.message).toMatch(/core.get_torrents_status/);
  });

  it("daemon.info is not callable through the web UI; core.* before any connection is Unknown method, not a login error", async () => {
    const dl = await start(release);
    expect((await rpc(dl.url, "core.get_torrents_status", [{}, ["name"]])).body.error).toEqual({ code: 2, message: "Unknown method" });
    const login = await rpc(dl.url, "auth.login", [PASS]);
    const cookie = login.cookie.split(";")[0]!;
    await rpc(dl.url, "web.connect", ["h1"], { cookie });
    expect((await rpc(dl.url, "daemon.info", [], { cookie })).body.error).toEqual({ code: 2, message: "Unknown method" });
    expect((await rpc(dl.url, "core.get_torrents_status", [{}, ["name"]])).body.error).toEqual({ code: 1, message: "Not authenticated" });
  });
});

describe("Deluge protocol differences between releases", () => {
  it("2.0 accepts exactly application/json; 2.1 and 2.2 allow parameters", async () => {
    for (const [release, refused] of [["2.0", true], ["2.1", false], ["2.2", false]] as const) {
      const dl = await start(release);
      const r = await rpc(dl.url, "auth.login", [PASS], { "content-type": "application/json; charset=utf-8" });
      expect(r.status).toBe(200);
      if (refused) expect(r.body).toEqual({ result: null, id: null, error: { code: 5, message: "JSONException: Invalid JSON request content-type: application/json; charset=utf-8" } });
      else expect(r.body).toMatchObject({ result: true, error: null, id: 7 });
      await dl.close();
    }
  });

  it("the session cookie's path is /json up to 2.1, / in 2.2", async () => {
    for (const [release, path] of [["2.0", "/json"], ["2.1", "/json"], ["2.2", "/"]] as const) {
      const dl = await start(release);
      expect((await rpc(dl.url, "auth.login", [PASS])).cookie).toMatch(new RegExp(`^_session_id=[0-9a-f]{64}\\d+; Expires=[^;]+; Path=${path}$`));
      await dl.close();
    }
  });

  it("2.0's web.get_torrent_status XML-escapes names; 2.1 and later do not", async () => {
    for (const [release, name] of [["2.0", "Seeded &lt;b&gt;"], ["2.2", "Seeded <b>"]] as const) {
      const dl = await start(release, { connectedTo: "h1" });
      const cookie = (await rpc(dl.url, "auth.login", [PASS])).cookie.split(";")[0]!;
      expect((await rpc(dl.url, "web.get_torrent_status", [H("b"), ["name"]], { cookie })).body.result).toEqual({ name });
      await dl.close();
    }
  });

  it("a wrong password is result false (HTTP 200), never an error object", async () => {
    const dl = await start("2.2");
    expect((await rpc(dl.url, "auth.login", ["nope-nope"])).body).toEqual({ result: false, error: null, id: 7 });
    expect(await test(dl.url, { password: "nope-nope" })).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
  });
});
