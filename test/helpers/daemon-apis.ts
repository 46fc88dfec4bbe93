import type { TorrentFixture } from "../../src/kinds/download-family/torrent.js";
import type { RealQbittorrent } from "../../src/kinds/qbittorrent/real.js";
import type { RealTransmission } from "../../src/kinds/transmission/real.js";

/**
 * The real daemons' own APIs, for tests that set up items and verify what Patchbay did without going
 * through Patchbay: qBittorrent's Web API (cookie SID from /api/v2/auth/login) and Transmission's RPC
 * (409 hands out the X-Transmission-Session-Id to repeat the call with).
 */
export async function qbOwnApi(qb: Pick<RealQbittorrent, "url" | "username" | "password">) {
  const login = await fetch(`${qb.url}/api/v2/auth/login`, { method: "POST", body: new URLSearchParams({ username: qb.username, password: qb.password }) });
  const sid = login.headers.get("set-cookie")!.split(";")[0]!;
  const call = async (p: string, body?: FormData | URLSearchParams) => {
    const res = await fetch(`${qb.url}/api/v2/${p}`, { method: body ? "POST" : "GET", body, headers: { cookie: sid } });
    if (res.status >= 300) throw new Error(`qBittorrent ${p}: HTTP ${res.status}`);
    return res.text();
  };
  return {
    call,
    /** The torrent's state as qBittorrent reports it ("" when it has no such torrent). */
    state: async (hash: string) => (JSON.parse(await call(`torrents/info?hashes=${hash}`)) as { state: string }[])[0]?.state ?? "",
    add: (t: TorrentFixture, savepath: string) => {
      const form = new FormData();
      form.append("torrents", new Blob([new Uint8Array(t.torrent)], { type: "application/x-bittorrent" }), `${t.name}.torrent`);
      form.append("savepath", savepath);
      return call("torrents/add", form);
    },
  };
}

export function trOwnApi(tr: Pick<RealTransmission, "url" | "username" | "password">) {
  let session = "";
  return async (method: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${tr.url}/transmission/rpc`, {
        method: "POST",
        headers: { authorization: "Basic " + Buffer.from(`${tr.username}:${tr.password}`).toString("base64"), "x-transmission-session-id": session },
        body: JSON.stringify({ method, arguments: args }),
      });
      if (res.status === 409) {
        session = res.headers.get("x-transmission-session-id")!;
        continue;
      }
      return ((await res.json()) as { arguments: Record<string, unknown> }).arguments;
    }
    throw new Error("no Transmission session id");
  };
}
