import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, forEachRelease } from "../../src/kinds/download-family/testing.js";
import { makeTorrent, type TorrentFixture } from "../../src/kinds/download-family/torrent.js";
import { startQbittorrent, type RealQbittorrent } from "../../src/kinds/qbittorrent/real.js";
import { startTransmission, type RealTransmission } from "../../src/kinds/transmission/real.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * The downloads router end to end (issue #12 acceptance): real qBittorrent and Transmission with torrents
 * added through their own APIs; a `use` user reads both queues through Patchbay's API and cannot pause; an
 * `interact` user pauses and removes, and the daemons' own APIs show the change. Once per Debian release.
 */
forEachRelease("downloads API against qBittorrent and Transmission", ["qbittorrent-nox", "transmission-daemon"], (release) => {
  let s: TestServer;
  let qb: RealQbittorrent;
  let tr: RealTransmission;
  let dir: string;
  let a: TorrentFixture;
  let b: TorrentFixture;
  let qbId: string;
  let trId: string;
  let sid = "";
  let trSession = "";
  let viewer: Awaited<ReturnType<TestServer["user"]>>;
  let operator: Awaited<ReturnType<TestServer["user"]>>;

  // The daemons' own APIs, to set up and to verify.
  const qbOwn = async (p: string, body?: FormData | URLSearchParams) => {
    const res = await fetch(`${qb.url}/api/v2/${p}`, { method: body ? "POST" : "GET", body, headers: { cookie: sid } });
    expect(res.status, p).toBeLessThan(300);
    return res.text();
  };
  const trOwn = async (method: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${tr.url}/transmission/rpc`, {
        method: "POST",
        headers: { authorization: "Basic " + Buffer.from(`${tr.username}:${tr.password}`).toString("base64"), "x-transmission-session-id": trSession },
        body: JSON.stringify({ method, arguments: args }),
      });
      if (res.status === 409) {
        trSession = res.headers.get("x-transmission-session-id")!;
        continue;
      }
      return ((await res.json()) as { arguments: Record<string, unknown> }).arguments;
    }
    throw new Error("no Transmission session id");
  };
  const qbState = async (hash: string) => (JSON.parse(await qbOwn(`torrents/info?hashes=${hash}`)) as { state: string }[])[0]?.state;

  beforeAll(async () => {
    [s, qb, tr] = await Promise.all([startPatchbay(), startQbittorrent({ release }), startTransmission({ release })]);
    dir = release.tempDir("api-downloads");
    a = makeTorrent(dir, "alpha.bin");
    b = makeTorrent(dir, "beta.bin");
    const login = await fetch(`${qb.url}/api/v2/auth/login`, { method: "POST", body: new URLSearchParams({ username: qb.username, password: qb.password }) });
    sid = login.headers.get("set-cookie")!.split(";")[0]!;
    const form = new FormData();
    form.append("torrents", new Blob([new Uint8Array(a.torrent)], { type: "application/x-bittorrent" }), "alpha.torrent");
    form.append("savepath", release.guestPath(dir));
    await qbOwn("torrents/add", form);
    await trOwn("torrent-add", { metainfo: b.torrent.toString("base64"), "download-dir": release.guestPath(dir) });

    const created = await Promise.all([
      s.admin.integration.create.mutate({ name: "qB", kind: "qBittorrent", url: qb.url, secrets: [{ kind: "username", value: qb.username }, { kind: "password", value: qb.password }] }),
      s.admin.integration.create.mutate({ name: "Tr", kind: "transmission", url: tr.url, secrets: [{ kind: "username", value: tr.username }, { kind: "password", value: tr.password }] }),
    ]);
    [qbId, trId] = created.map((c) => {
      if (!("id" in c)) throw new Error(JSON.stringify(c));
      return c.id;
    }) as [string, string];
    viewer = await s.user([], "viewer");
    operator = await s.user([], "operator");
    for (const id of [qbId, trId]) {
      await s.admin.integration.saveUserIntegrationPermissions.mutate({
        entityId: id,
        permissions: [
          { principalId: viewer.id, permission: "use" },
          { principalId: operator.id, permission: "interact" },
        ],
      });
    }
    await eventually(async () => (await qbState(a.infoHash)) !== undefined, "qBittorrent has the torrent");
  });
  afterAll(async () => {
    await Promise.all([s?.close(), qb?.stop(), tr?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a use user reads both queues in one call, with the contract's fields, and cannot pause", async () => {
    const envelopes = await viewer.client.downloads.queue.query({});
    expect(envelopes.map((e) => e.integration.kind)).toEqual(["qBittorrent", "transmission"]);
    const items = envelopes.flatMap((e) => ("data" in e ? e.data.items : []));
    expect(items.map((i) => i.id).sort()).toEqual([a.infoHash, b.infoHash].sort());
    for (const item of items) expect(item).toMatchObject({ type: "torrent", size: expect.any(Number), progress: expect.any(Number), state: expect.any(String) });
    const denied = await errorOf(viewer.client.downloads.pause.mutate({ integrationId: qbId, itemIds: [a.infoHash] }));
    expect(denied.code).toBe("FORBIDDEN");
    expect(JSON.stringify(envelopes)).not.toContain(qb.password);
  });

  it("an interact user pauses a torrent: qBittorrent reports it paused and the next read shows it", async () => {
    expect(await operator.client.downloads.pause.mutate({ integrationId: qbId, itemIds: [a.infoHash] })).toEqual({ ok: true });
    await eventually(async () => /^(paused|stopped)/.test((await qbState(a.infoHash)) ?? ""), "qBittorrent paused the torrent");
    const [env] = await operator.client.downloads.queue.query({ integrationIds: [qbId] });
    expect(env && "data" in env ? env.data.items.find((i) => i.id === a.infoHash)?.state : undefined).toBe("paused");
  });

  it("an interact user removes a Transmission torrent: Transmission no longer has it", async () => {
    expect(await operator.client.downloads.remove.mutate({ integrationId: trId, itemIds: [b.infoHash], deleteFiles: false })).toEqual({ ok: true });
    const left = (await trOwn("torrent-get", { fields: ["hashString"] })) as { torrents: { hashString: string }[] };
    expect(left.torrents.map((t) => t.hashString)).not.toContain(b.infoHash);
  });
});
