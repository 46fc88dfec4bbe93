import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTorrent, type TorrentFixture } from "../download-family/torrent.js";
import { releaseAvailable, releases } from "../testing/release.js";
import { startDelugeEmulator, type DelugeRelease } from "./emulator.js";
import { startDeluge, type RealDeluge } from "./real.js";

/**
 * The emulator against the real deluged + deluge-web it stands for (Debian 12's 2.0.3, Debian 13's 2.2.0): the
 * same requests get the same answers from both, so the emulated matrix says what the real one does. Both web
 * UIs start detached from their daemon.
 */
const PASS = "dl-fidelity-Pw-6e2";
const EMULATED: Record<string, DelugeRelease> = { "Debian 12": "2.0", "Debian 13": "2.2" };

interface Answer {
  status: number;
  body: unknown;
  cookiePath?: string;
}
async function call(url: string, method: string, params: unknown[], headers: Record<string, string> = {}): Promise<Answer & { cookie?: string }> {
  const res = await fetch(`${url}/json`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ method, params, id: 3 }) });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return {
    status: res.status,
    body: await res.json(),
    cookie: setCookie.split(";")[0] || undefined,
    cookiePath: /;\s*Path=([^;]*)/i.exec(setCookie)?.[1],
  };
}
const comparable = ({ status, body, cookiePath }: Answer) => ({ status, body, cookiePath });

for (const release of releases) {
  describe.skipIf(!releaseAvailable(release, ["deluged", "deluge-web"], "Deluge emulator fidelity"))(`Deluge emulator ${EMULATED[release.label]} = ${release.label} deluge-web (real)`, () => {
    let real: RealDeluge;
    let emu: Awaited<ReturnType<typeof startDelugeEmulator>>;
    const cookies = { real: "", emu: "" };
    let dir = "";
    let t: TorrentFixture;
    beforeAll(async () => {
      real = await startDeluge({ release, password: PASS });
      dir = release.tempDir("dl-fidelity");
      // A name with the characters 2.0's XSS escaping rewrites.
      t = makeTorrent(dir, "a<b>&c.bin");
      const torrent = { hash: t.infoHash, name: t.name, state: "Seeding", progress: 100, total_wanted: t.size };
      emu = await startDelugeEmulator({ release: EMULATED[release.label]!, password: PASS, daemons: [{ id: real.hostId, host: "127.0.0.1", port: 58846, online: true, torrents: [torrent] }] });
    });
    afterAll(async () => {
      await Promise.all([real?.stop(), emu?.close()]);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
    const both = async (method: string, params: unknown[] = [], headers: Record<string, string> = {}, session = false) => {
      const [r, e] = await Promise.all([
        call(real.url, method, params, { ...headers, ...(session ? { cookie: cookies.real } : {}) }),
        call(emu.url, method, params, { ...headers, ...(session ? { cookie: cookies.emu } : {}) }),
      ]);
      return { r, e };
    };

    it("a daemon method before the web UI ever connected: Unknown method, even without a login", async () => {
      const { r, e } = await both("core.get_torrents_status", [{}, ["name"]]);
      expect(comparable(e)).toEqual(comparable(r));
    });

    it("a wrong password: result false", async () => {
      const { r, e } = await both("auth.login", ["wrong-Pw-000"]);
      expect(comparable(e)).toEqual(comparable(r));
    });

    it("a content type with a charset parameter: the same acceptance or refusal", async () => {
      const { r, e } = await both("auth.login", [PASS], { "content-type": "application/json; charset=utf-8" });
      expect(comparable(e)).toEqual(comparable(r));
    });

    it("the right password: result true and a session cookie with the same path", async () => {
      const { r, e } = await both("auth.login", [PASS]);
      expect(comparable(e)).toEqual(comparable(r));
      cookies.real = r.cookie!;
      cookies.emu = e.cookie!;
      expect(cookies.emu).toMatch(/^_session_id=[0-9a-f]{64}\d+$/);
      expect(cookies.real).toMatch(/^_session_id=[0-9a-f]{64}\d+$/);
    });

    it("web.connected before connecting, web.get_hosts' shape, web.connect, then daemon.info is Unknown method", async () => {
      let { r, e } = await both("web.connected", [], {}, true);
      expect(comparable(e)).toEqual(comparable(r));
      ({ r, e } = await both("web.get_hosts", [], {}, true));
      // Same shape: [[id, host, port, user]] (the emulator's port is its own).
      const shape = (a: Answer) => ((a.body as { result: unknown[][] }).result ?? []).map((h) => h.map((x) => typeof x));
      expect(shape(e)).toEqual(shape(r));
      ({ r, e } = await both("web.get_host_status", [real.hostId], {}, true));
      expect(comparable(e)).toEqual(comparable(r));
      ({ r, e } = await both("web.connect", [real.hostId], {}, true));
      expect((e.body as { error: unknown }).error).toEqual((r.body as { error: unknown }).error);
      expect((r.body as { result: string[] }).result).toEqual(expect.arrayContaining(["daemon.get_version", "core.get_torrents_status", "core.remove_torrents", "core.pause_session"]));
      ({ r, e } = await both("daemon.info", [], {}, true));
      expect(comparable(e)).toEqual(comparable(r));
      ({ r, e } = await both("daemon.get_version", [], {}, true));
      expect((e.body as { result: string }).result).toBe(real.version);
    });

    it("an unknown torrent: empty status maps, and remove_torrents lists the error", async () => {
      const id = "f".repeat(40);
      let { r, e } = await both("core.get_torrents_status", [{ id: [id] }, ["name"]], {}, true);
      expect(comparable(e)).toEqual(comparable(r));
      ({ r, e } = await both("core.get_torrent_status", [id, ["name"]], {}, true));
      expect(comparable(e)).toEqual(comparable(r));
      ({ r, e } = await both("core.remove_torrents", [[id], false], {}, true));
      expect(comparable(e)).toEqual(comparable(r));
      ({ r, e } = await both("core.is_session_paused", [], {}, true));
      expect(comparable(e)).toEqual(comparable(r));
    });

    it("a torrent's name: escaped by 2.0's web.get_torrent_status only; the same status keys from core", async () => {
      const add = await call(real.url, "core.add_torrent_file", [`${t.name}.torrent`, t.torrent.toString("base64"), { download_location: release.guestPath(dir) }], { cookie: cookies.real });
      expect((add.body as { result: unknown }).result).toBe(t.infoHash);
      let { r, e } = await both("web.get_torrent_status", [t.infoHash, ["name"]], {}, true);
      expect(comparable(e)).toEqual(comparable(r));
      expect((r.body as { result: { name: string } }).result.name).toBe(EMULATED[release.label] === "2.0" ? "a&lt;b&gt;&amp;c.bin" : "a<b>&c.bin");
      ({ r, e } = await both("core.get_torrents_status", [{ id: [t.infoHash] }, ["name", "state", "progress", "total_wanted", "no_such_key"]], {}, true));
      const keys = (a: Answer) => Object.keys((a.body as { result: Record<string, object> }).result[t.infoHash] ?? {}).sort();
      expect(keys(e)).toEqual(keys(r));
      expect(keys(r)).toEqual(["name", "progress", "state", "total_wanted"]);
    });

    it("pausing or removing one unknown torrent: an error of the same code", async () => {
      for (const [method, params] of [["core.pause_torrent", ["e".repeat(40)]], ["core.remove_torrent", ["e".repeat(40), false]]] as const) {
        const { r, e } = await both(method, [...params], {}, true);
        const code = (a: Answer) => (a.body as { error: { code: number } | null }).error?.code;
        expect(code(e), method).toBe(code(r));
        expect(code(r), method).toBeDefined();
      }
    });

    it("a method without login once connected: Not authenticated", async () => {
      const { r, e } = await both("core.get_torrents_status", [{}, ["name"]]);
      expect(comparable(e)).toEqual(comparable(r));
    });
  });
}
