import crypto from "node:crypto";
import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";

/**
 * Emulator of qBittorrent's WebUI API v2, per release line. Facts from qBittorrent's source
 * (github.com/qbittorrent/qBittorrent), cited next to each behaviour; "wa.cpp" = src/webui/webapplication.cpp,
 * "auth.cpp" = src/webui/api/authcontroller.cpp, "torrents.cpp" = src/webui/api/torrentscontroller.cpp.
 *
 * Release lines (where the protocol changed):
 * - "4.x" (release-4.1.0 … release-4.6.7; Debian 12 ships 4.5.2): login 200 "Ok."/"Fails.", torrents/pause|resume,
 *   states pausedDL/pausedUP.
 * - "5.0" (release-5.0.0 … release-5.1.2; Debian 13 ships 5.1): torrents/stop|start replace pause|resume
 *   (wa.h release-5.0.0 allowed-methods table), states stoppedDL/stoppedUP (serialize_torrent.cpp release-5.0.0).
 *   Login answers unchanged (auth.cpp release-5.1.2).
 * - "5.2" (release-5.2.0 … release-5.2.3): login success → 204 with no body, wrong credentials → 401
 *   "Unauthorized" (auth.cpp release-5.2.3 `loginAction` + wa.cpp `doProcessRequest`: null result → status 204;
 *   commit 0c48b70e5 "Send 204 when WebAPI response contains no data"); API keys `qbt_` + 28 characters sent as
 *   `Authorization: Bearer <key>` (wa.cpp release-5.2.3 `apiKeySessionInitialize`, src/base/utils/apikey.cpp).
 */
export type QbRelease = "4.x" | "5.0" | "5.2";

export interface QbTorrent {
  hash: string;
  name: string;
  size: number;
  progress: number;
  /** Engine state without the paused/stopped spelling: "downloading", "uploading", "stalledDL", … or "paused". */
  state: string;
  /** Which side a paused torrent is on (pausedDL vs pausedUP). */
  complete?: boolean;
  dlspeed?: number;
  upspeed?: number;
  downloaded?: number;
  uploaded?: number;
  eta?: number;
  added_on?: number;
  category?: string;
}

export interface QbEmulatorOptions {
  release: QbRelease;
  /** Reported by app/version, e.g. "4.6.7", "5.1.2", "5.2.3". */
  version?: string;
  username: string;
  password: string;
  /** 5.2 only. */
  apiKey?: string;
  /** WebUI\MaxAuthenticationFailCount (default 5; 0 = never ban). */
  maxAuthFail?: number;
  torrents?: QbTorrent[];
  /** Failure modes for data endpoints. */
  fail?: { torrentsInfo?: "500" | "malformed" };
}

export interface QbEmulator extends FakeServer {
  torrents: QbTorrent[];
  /** Hashes removed with deleteFiles=true. */
  deletedFiles: string[];
}

const DEFAULT_VERSION: Record<QbRelease, string> = { "4.x": "4.6.7", "5.0": "5.1.2", "5.2": "5.2.3" };
const BANNED = "Your IP address has been banned after too many failed authentication attempts.";

export async function startQbittorrentEmulator(opts: QbEmulatorOptions): Promise<QbEmulator> {
  const torrents = (opts.torrents ?? []).map((t) => ({ ...t }));
  const deletedFiles: string[] = [];
  const sessions = new Set<string>();
  let failures = 0;
  const maxFail = opts.maxAuthFail ?? 5;
  const is5 = opts.release !== "4.x";
  const is52 = opts.release === "5.2";

  const text = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "text/plain; charset=UTF-8", ...headers });
    res.end(body);
  };
  // HTTPError bodies are the message or, without one, the status text (wa.cpp release-5.2.3 `processRequest` catch).
  const unauthorized = (res: http.ServerResponse) => text(res, 401, "Unauthorized");
  const forbidden = (res: http.ServerResponse, msg = "Forbidden") => text(res, 403, msg);

  const server = await startFakeServer((req: Recorded, res) => {
    const url = new URL(req.url, "http://x");
    const params = req.method === "GET" ? url.searchParams : new URLSearchParams(req.body);
    // CSRF: an Origin (else Referer) whose host:port differs from the Host header → 401 (wa.cpp `isCrossSiteRequest`,
    // same in release-4.5.2 and release-5.2.3). 5.2 skips it for API-key requests (wa.cpp release-5.2.3 `processRequest`).
    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim();
    const usingKey = is52 && Boolean(bearer);
    const source = String(req.headers.origin ?? req.headers.referer ?? "");
    if (!usingKey && source) {
      let sourceHost = "";
      try {
        sourceHost = new URL(source).host;
      } catch {
        // unparsable → mismatch
      }
      if (sourceHost !== req.headers.host) return unauthorized(res);
    }
    const m = /^\/api\/v2\/(\w+)\/(\w+)$/.exec(url.pathname);
    if (!m) {
      // The WebUI's own files; API-key requests outside the API → 404 (wa.cpp release-5.2.3 `doProcessRequest`).
      if (usingKey) return text(res, 404, "Not Found");
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!DOCTYPE html><html><head><title>qBittorrent WebUI</title></head><body></body></html>");
      return;
    }
    const [, scope, action] = m as unknown as [string, string, string];

    // Sessions: SID cookie (all releases), or the API key itself as session id (5.2 `apiKeySessionInitialize`);
    // a wrong key simply gets no session.
    const sid = /(?:^|;\s*)SID=([^;]+)/.exec(String(req.headers.cookie ?? ""))?.[1];
    const hasSession = usingKey ? bearer === opts.apiKey && Boolean(opts.apiKey) : Boolean(sid && sessions.has(sid));

    // Only auth/login is public (wa.cpp `declarePublicAPI(u"auth/login")`, every release): anything else without a
    // session → 403 "Forbidden" (wa.cpp `doProcessRequest`).
    if (!(scope === "auth" && action === "login") && !hasSession) return forbidden(res);
    // With an API key the auth scope is refused (wa.cpp release-5.2.3 `doProcessRequest`).
    if (usingKey && scope === "auth") return forbidden(res);

    const post = ["auth/login", "auth/logout", "torrents/pause", "torrents/resume", "torrents/stop", "torrents/start", "torrents/delete"];
    const route = `${scope}/${action}`;
    // POST-only actions (wa.h allowed-methods table) → 405.
    if (post.includes(route) && req.method !== "POST") return text(res, 405, "Method Not Allowed");

    switch (route) {
      case "auth/login": {
        if (hasSession) return is52 ? noContent(res) : text(res, 200, "Ok.");
        // Ban after MaxAuthenticationFailCount failures → 403 with the message (auth.cpp release-4.5.2 `loginAction`;
        // wa.cpp release-5.2.3 `validateCredentials`).
        if (maxFail > 0 && failures >= maxFail) return forbidden(res, BANNED);
        if (params.get("username") === opts.username && params.get("password") === opts.password) {
          failures = 0;
          const id = crypto.randomBytes(24).toString("base64");
          sessions.add(id);
          const cookie = { "set-cookie": `SID=${id}; HttpOnly; SameSite=Strict; path=/` };
          return is52 ? noContent(res, cookie) : text(res, 200, "Ok.", cookie);
        }
        failures++;
        // 5.2: `throw APIError(APIErrorType::Unauthorized)` → 401 "Unauthorized"; before: 200 "Fails.".
        return is52 ? unauthorized(res) : text(res, 200, "Fails.");
      }
      case "auth/logout":
        if (sid) sessions.delete(sid);
        return is52 ? noContent(res) : text(res, 200, "");
      case "app/version":
        // "v" + PROJECT_VERSION (src/base/version.h.in, appcontroller.cpp `versionAction`).
        return text(res, 200, `v${opts.version ?? DEFAULT_VERSION[opts.release]}`);
      case "transfer/info":
        // transfercontroller.cpp `infoAction` (keys dl_info_speed, up_info_speed, …).
        return sendJson(res, 200, {
          dl_info_speed: torrents.reduce((a, t) => a + (t.state === "paused" ? 0 : (t.dlspeed ?? 0)), 0),
          up_info_speed: torrents.reduce((a, t) => a + (t.state === "paused" ? 0 : (t.upspeed ?? 0)), 0),
          dl_info_data: 0,
          up_info_data: 0,
          dl_rate_limit: 0,
          up_rate_limit: 0,
          dht_nodes: 0,
          connection_status: "connected",
        });
      case "torrents/info": {
        if (opts.fail?.torrentsInfo === "500") return text(res, 500, "Internal Server Error");
        if (opts.fail?.torrentsInfo === "malformed") return sendJson(res, 200, { torrents: "nope" });
        // `hashes` filter split on "|" (torrents.cpp `infoAction`); keys from serialize_torrent.h.
        const want = params.get("hashes")?.split("|").filter(Boolean);
        const list = torrents.filter((t) => !want || want.includes(t.hash));
        return sendJson(res, 200, list.map((t) => serialize(t, is5)));
      }
      case "torrents/pause":
      case "torrents/resume":
      case "torrents/stop":
      case "torrents/start": {
        // 4.x has pause/resume, 5.0+ stop/start only (wa.h release-5.0.0); an unknown action → 404.
        const known = is5 ? ["stop", "start"] : ["pause", "resume"];
        if (!known.includes(action)) return text(res, 404, "Not Found");
        // requireParams({"hashes"}) → 400 (torrents.cpp); "all" applies to every torrent (`applyToTorrents`).
        const hashes = params.get("hashes");
        if (hashes === null) return text(res, 400, "Missing required parameters");
        const pause = action === "pause" || action === "stop";
        for (const t of select(torrents, hashes)) {
          if (pause && t.state !== "paused") {
            t.complete = t.progress >= 1;
            t.state = "paused";
          } else if (!pause && t.state === "paused") t.state = t.progress >= 1 ? "uploading" : "downloading";
        }
        return text(res, 200, "");
      }
      case "torrents/delete": {
        // requireParams({"hashes", "deleteFiles"}) (torrents.cpp `deleteAction`, every release).
        const hashes = params.get("hashes");
        const del = params.get("deleteFiles");
        if (hashes === null || del === null) return text(res, 400, "Missing required parameters");
        for (const t of select(torrents, hashes)) {
          torrents.splice(torrents.indexOf(t), 1);
          if (del === "true") deletedFiles.push(t.hash);
        }
        return text(res, 200, "");
      }
      default:
        return text(res, 404, "Not Found");
    }
  });
  return Object.assign(server, { torrents, deletedFiles });
}

function noContent(res: http.ServerResponse, headers: Record<string, string> = {}) {
  res.writeHead(204, headers);
  res.end();
}

function select(torrents: QbTorrent[], hashes: string): QbTorrent[] {
  if (hashes === "all") return [...torrents];
  const ids = hashes.split("|");
  return torrents.filter((t) => ids.includes(t.hash));
}

function serialize(t: QbTorrent, is5: boolean) {
  // pausedDL/pausedUP (serialize_torrent.cpp release-4.5.2) became stoppedDL/stoppedUP (release-5.0.0).
  const state = t.state === "paused" ? `${is5 ? "stopped" : "paused"}${t.complete ? "UP" : "DL"}` : t.state;
  return {
    hash: t.hash,
    name: t.name,
    size: t.size,
    total_size: t.size,
    progress: t.progress,
    dlspeed: t.state === "paused" ? 0 : (t.dlspeed ?? 0),
    upspeed: t.state === "paused" ? 0 : (t.upspeed ?? 0),
    downloaded: t.downloaded ?? Math.round(t.size * t.progress),
    uploaded: t.uploaded ?? 0,
    // 8640000 = "infinite" ETA (MAX_ETA, src/base/types.h release-4.5.2 and release-5.2.3).
    eta: t.eta ?? 8640000,
    state,
    category: t.category ?? "",
    tags: "",
    added_on: t.added_on ?? 1_700_000_000,
    save_path: "/downloads",
    ratio: 0,
  };
}
