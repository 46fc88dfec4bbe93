import crypto from "node:crypto";
import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Transmission's RPC server (the bespoke protocol), per release line. Facts from
 * github.com/transmission/transmission: libtransmission/rpc-server.c (tag 3.00) / rpc-server.cc (tags 4.0.6,
 * 4.1.0) `handle_request`, libtransmission/rpcimpl.c(c), extras/rpc-spec.txt (3.00), docs/rpc-spec.md (4.x).
 * - "3.00" (Debian 12): RPC version 16; after 100 failed logins every request is 403 "Too many unsuccessful login
 *   attempts. Please restart transmission-daemon."; a non-whitelisted IP 403 "Unauthorized IP Address".
 * - "4.0" (4.0.0–4.0.6): RPC version 17; both 403s are a bare "<h1>403: Forbidden</h1>"; the brute-force
 *   lockout is off unless anti-brute-force-enabled (rpc-server.h: default false, threshold 100).
 * - "4.1" (Debian 13): RPC version 18, semver 6.0.0 also in an X-Transmission-Rpc-Version header
 *   (rpc-server.cc tag 4.1.0); JSON-RPC 2.0 added, the bespoke protocol still answered (docs/rpc-spec.md tag 4.1.0).
 * Every release: Basic auth checked before the session id (401 + WWW-Authenticate Basic realm="Transmission"),
 * then 409 with X-Transmission-Session-Id until the request carries it.
 */
export type TrRelease = "3.00" | "4.0" | "4.1";

export interface TrTorrent {
  hashString: string;
  name: string;
  /** tr_torrent_activity: 0 stopped, 1 check wait, 2 check, 3 download wait, 4 download, 5 seed wait, 6 seed. */
  status: number;
  percentDone: number;
  sizeWhenDone: number;
  error?: number;
  rateDownload?: number;
  rateUpload?: number;
  eta?: number;
  addedDate?: number;
}

export interface TrEmulatorOptions {
  release: TrRelease;
  username: string;
  password: string;
  torrents?: TrTorrent[];
  /** 4.x anti-brute-force-enabled with this threshold. */
  antiBruteForce?: number;
  /** The client's IP is not in rpc-whitelist. */
  notWhitelisted?: boolean;
  fail?: { torrentGet?: "500" | "malformed" };
}

export interface TrEmulator extends FakeServer {
  torrents: TrTorrent[];
  deletedData: string[];
}

const VERSIONS: Record<TrRelease, { version: string; rpc: number }> = {
  "3.00": { version: "3.00 (bb6b5a062e)", rpc: 16 },
  "4.0": { version: "4.0.6 (38c164933e)", rpc: 17 },
  "4.1": { version: "4.1.0 (f41bc1e2f4)", rpc: 18 },
};

export async function startTransmissionEmulator(opts: TrEmulatorOptions): Promise<TrEmulator> {
  const torrents = (opts.torrents ?? []).map((t, i) => ({ ...t, id: i + 1 }));
  const deletedData: string[] = [];
  const sessionId = crypto.randomBytes(24).toString("base64url");
  let loginAttempts = 0;
  const v = VERSIONS[opts.release];
  const legacy = opts.release === "3.00";

  // send_simple_response: "<h1>CODE: TEXT</h1>" + optional text.
  const simple = (res: http.ServerResponse, code: number, reason: string, text = "", headers: Record<string, string> = {}) => {
    res.writeHead(code, reason, { server: "Transmission", "content-type": "text/html; charset=ISO-8859-1", ...headers });
    res.end(`<h1>${code}: ${reason}</h1>${text}`);
  };

  const server = await startFakeServer((req, res) => {
    // Brute-force check comes first, then the whitelist, then auth (handle_request, every release).
    const limit = legacy ? 100 : opts.antiBruteForce;
    if (limit !== undefined && loginAttempts >= limit) {
      return simple(res, 403, "Forbidden", legacy ? "<p>Too many unsuccessful login attempts. Please restart transmission-daemon.</p>" : "");
    }
    if (opts.notWhitelisted) {
      return simple(
        res,
        403,
        "Forbidden",
        legacy ? "<p>Unauthorized IP Address.</p><p>Either disable the IP address whitelist or add your address to it.</p>" : "",
      );
    }
    const auth = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const [user, ...rest] = Buffer.from(auth ?? "", "base64").toString("utf8").split(":");
    if (user !== opts.username || rest.join(":") !== opts.password) {
      loginAttempts++;
      // 3.00 adds the attempt count (rpc-server.c); 4.x sends the bare status (rpc-server.cc).
      const text = legacy ? `<p>Unauthorized User. ${loginAttempts} unsuccessful login attempts.</p>` : "";
      return simple(res, 401, "Unauthorized", text, { "www-authenticate": 'Basic realm="Transmission"' });
    }
    loginAttempts = 0;
    if (!req.url.startsWith("/transmission/rpc")) return simple(res, 404, "Not Found");
    if (req.headers["x-transmission-session-id"] !== sessionId) {
      return simple(res, 409, "Conflict", `<p>Your request had an invalid session-id header.</p><p><code>X-Transmission-Session-Id: ${sessionId}</code></p>`, {
        "x-transmission-session-id": sessionId,
      });
    }
    const extra: Record<string, string> = opts.release === "4.1" ? { "x-transmission-rpc-version": "6.0.0" } : {};
    let body: { method?: string; arguments?: Record<string, unknown>; tag?: number };
    try {
      body = JSON.parse(req.body);
    } catch {
      return sendJson(res, 200, { result: "couldn't parse json" }, extra);
    }
    const args = body.arguments ?? {};
    const reply = (result: string, a: Record<string, unknown> = {}) => sendJson(res, 200, { arguments: a, result, ...(body.tag !== undefined ? { tag: body.tag } : {}) }, extra);
    // `ids`: absent = all; hash strings or numeric ids (getTorrents, rpcimpl.c tag 3.00).
    const chosen = () => {
      const ids = args.ids as (string | number)[] | undefined;
      return ids === undefined ? [...torrents] : torrents.filter((t) => ids.includes(t.hashString) || ids.includes(t.id));
    };
    switch (body.method) {
      case "session-get":
        return reply("success", { version: v.version, "rpc-version": v.rpc, "rpc-version-minimum": 14, "download-dir": "/downloads" });
      case "session-stats": {
        const running = torrents.filter((t) => t.status !== 0);
        return reply("success", {
          downloadSpeed: running.reduce((a, t) => a + (t.rateDownload ?? 0), 0),
          uploadSpeed: running.reduce((a, t) => a + (t.rateUpload ?? 0), 0),
          activeTorrentCount: running.length,
          pausedTorrentCount: torrents.length - running.length,
          torrentCount: torrents.length,
        });
      }
      case "torrent-get": {
        if (opts.fail?.torrentGet === "500") return simple(res, 500, "Internal Server Error");
        if (opts.fail?.torrentGet === "malformed") return reply("success", { torrents: [{ hashString: 42 }] });
        const fields = (args.fields as string[] | undefined) ?? [];
        const all = (t: (typeof torrents)[number]) => ({
          id: t.id,
          hashString: t.hashString,
          name: t.name,
          status: t.status,
          error: t.error ?? 0,
          errorString: "",
          percentDone: t.percentDone,
          sizeWhenDone: t.sizeWhenDone,
          downloadedEver: Math.round(t.sizeWhenDone * t.percentDone),
          uploadedEver: 0,
          rateDownload: t.status === 0 ? 0 : (t.rateDownload ?? 0),
          rateUpload: t.status === 0 ? 0 : (t.rateUpload ?? 0),
          eta: t.eta ?? -1,
          addedDate: t.addedDate ?? 1_700_000_000,
        });
        const pick = (t: (typeof torrents)[number]) => Object.fromEntries(Object.entries(all(t)).filter(([k]) => fields.includes(k)));
        return reply("success", { torrents: chosen().map(pick) });
      }
      case "torrent-stop":
        for (const t of chosen()) t.status = 0;
        return reply("success");
      case "torrent-start":
        for (const t of chosen()) if (t.status === 0) t.status = t.percentDone >= 1 ? 6 : 4;
        return reply("success");
      case "torrent-remove":
        for (const t of chosen()) {
          torrents.splice(torrents.indexOf(t), 1);
          if (args["delete-local-data"] === true) deletedData.push(t.hashString);
        }
        return reply("success");
      default:
        return reply("method name not recognized");
    }
  });
  return Object.assign(server, { torrents, deletedData });
}
