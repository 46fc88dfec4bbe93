import crypto from "node:crypto";
import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Deluge's web UI JSON-RPC (deluge-web, POST /json) in front of one or more daemons, per release.
 * Facts from github.com/deluge-torrent/deluge at tags deluge-2.0.3 (Debian 12), deluge-2.1.1, deluge-2.2.0
 * (Debian 13):
 * - deluge/ui/web/json_api.py `JSON.render`: only POST (else 405); every answer is HTTP 200
 *   `{"result", "error", "id"}`. `_handle_request`: `system.*` and web-side methods run locally; daemon methods
 *   (`core.*`, `daemon.*`) only once the web UI has fetched the daemon's method list on connecting
 *   (`get_remote_methods`), else error 2 "Unknown method" — checked before any login; not logged in: error 1
 *   "Not authenticated"; a method's exception: error 3 "<Class>: <message>"; a daemon-side failure: error 4
 *   (`_on_rpc_request_failed`); a bad request (content type, JSON, missing id/method/params): error 5
 *   "<Class>: <message>" (`_on_json_request_failed`).
 * - Content type: 2.0.x compares the header to "application/json" literally (a "; charset=…" is refused);
 *   2.1.x parses it with cgi.parse_header, 2.2.0 with email.message (parameters allowed). No header at all
 *   fails on `None.decode()` in every release.
 * - deluge/ui/web/auth.py: `login` answers true and sets `_session_id=<sha256 hex><checksum>` (checksum = sum
 *   of the id's character codes, `make_checksum`) with Path=/json up to 2.1.x and Path=/ in 2.2.0, or false;
 *   `check_session` (no login needed), `delete_session`.
 * - json_api.py `WebApi`: `connected`, `get_hosts` ([id, host, port, user] each, deluge/ui/hostlist.py
 *   `get_hosts_info`), `get_host_status` ([id, "Online"|"Offline"|"Connected", version], hostlist.py),
 *   `connect` (the daemon's method list; an offline or unknown host is swallowed by `_on_client_connect_fail`:
 *   result null, error null), `get_torrent_status` (2.0.x XML-escapes name/message/comment/tracker_status:
 *   XSS_VULN_KEYS, removed in 2.1.0).
 * - deluge/core/core.py: get_torrents_status (filter {id: [...]}; unknown ids are left out:
 *   torrentmanager.py `handle_torrents_status_callback`), get_torrent_status ({} for an unknown id),
 *   get_session_status (only the known keys), pause_torrent(s)/resume_torrent(s) (all torrents without ids),
 *   pause_session/resume_session/is_session_paused, remove_torrent (InvalidTorrentError "torrent_id %s not in
 *   session.", torrentmanager.py) and remove_torrents ([[id, message]] for the ones it could not remove).
 *   deluge/core/torrent.py `update_state`: while the session is paused every torrent reports "Paused"; a
 *   resumed torrent is Downloading or Seeding.
 * - deluge/core/rpcserver.py: `daemon.info` is answered by the daemon's RPC server itself and is not in its
 *   method list, so through the web UI it is "Unknown method"; `daemon.get_version` is (daemon.py).
 */
export type DelugeRelease = "2.0" | "2.1" | "2.2";

const VERSIONS: Record<DelugeRelease, string> = { "2.0": "2.0.3", "2.1": "2.1.1", "2.2": "2.2.0" };

export interface DelugeTorrent {
  hash: string;
  name: string;
  /** TORRENT_STATE (deluge/common.py): Downloading, Seeding, Paused, Queued, Checking, Error … */
  state: string;
  /** 0..100. */
  progress: number;
  total_wanted: number;
  total_uploaded?: number;
  download_payload_rate?: number;
  upload_payload_rate?: number;
  eta?: number;
  time_added?: number;
}

export interface DelugeDaemon {
  /** The host id in the web UI's host list. */
  id: string;
  host: string;
  port: number;
  online: boolean;
  torrents: DelugeTorrent[];
  sessionPaused?: boolean;
  /** Hashes removed with remove_data = true. */
  deletedData?: string[];
}

export interface DelugeEmulatorOptions {
  release: DelugeRelease;
  password: string;
  /** The host list, in order. */
  daemons: DelugeDaemon[];
  /** The host the web UI is already connected to (web.conf default_daemon, or a user's earlier choice). */
  connectedTo?: string;
  fail?: { torrentsStatus?: "malformed" | "daemon-error" };
}

export interface DelugeEmulator extends FakeServer {
  daemons: DelugeDaemon[];
  /** The host id the web UI is connected to now. */
  connectedTo(): string | undefined;
  /** Every method called, in order. */
  methods: string[];
}

class Failure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const XSS_VULN_KEYS = ["name", "message", "comment", "tracker_status"];
// xml.sax.saxutils.escape: &, <, >.
const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export async function startDelugeEmulator(opts: DelugeEmulatorOptions): Promise<DelugeEmulator> {
  const daemons = opts.daemons.map((d) => ({ ...d, torrents: d.torrents.map((t) => ({ ...t })), deletedData: [...(d.deletedData ?? [])] }));
  const version = VERSIONS[opts.release];
  const sessions = new Set<string>();
  const methods: string[] = [];
  let connectedTo = opts.connectedTo;
  // A web UI started connected has fetched the method list (WebApi.enable → connect).
  let knowsRemote = connectedTo !== undefined;

  const daemon = () => daemons.find((d) => d.id === connectedTo);
  const stateOf = (d: DelugeDaemon, t: DelugeTorrent) => (d.sessionPaused ? "Paused" : t.state);
  const statusOf = (d: DelugeDaemon, t: DelugeTorrent, keys: unknown): Record<string, unknown> => {
    const all: Record<string, unknown> = {
      hash: t.hash,
      name: t.name,
      state: stateOf(d, t),
      progress: t.progress,
      total_wanted: t.total_wanted,
      total_done: Math.round((t.total_wanted * t.progress) / 100),
      total_uploaded: t.total_uploaded ?? 0,
      download_payload_rate: stateOf(d, t) === "Downloading" ? (t.download_payload_rate ?? 0) : 0,
      upload_payload_rate: stateOf(d, t) === "Paused" ? 0 : (t.upload_payload_rate ?? 0),
      eta: t.eta ?? 0,
      time_added: t.time_added ?? 1_700_000_000,
    };
    // Torrent.get_status: no keys = every key; unknown keys go to the (empty) plugin manager.
    const wanted = Array.isArray(keys) && keys.length ? keys.map(String) : Object.keys(all);
    return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
  };
  const torrentOf = (d: DelugeDaemon, id: unknown) => {
    const t = d.torrents.find((x) => x.hash === id);
    // TorrentManager.__getitem__ raises KeyError; the daemon sends it back wrapped, the web UI answers error 4.
    if (!t) throw new Failure(4, `Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>: '${String(id)}'\n]`);
    return t;
  };
  const resumeOne = (t: DelugeTorrent) => {
    if (t.state === "Paused") t.state = t.progress >= 100 ? "Seeding" : "Downloading";
  };
  const each = (d: DelugeDaemon, ids: unknown, fn: (t: DelugeTorrent) => void) => {
    const list = Array.isArray(ids) && ids.length ? ids : ids && typeof ids === "string" ? [ids] : d.torrents.map((t) => t.hash);
    for (const id of list) fn(torrentOf(d, id));
    return null;
  };
  const removeOne = (d: DelugeDaemon, id: unknown, removeData: unknown) => {
    const t = d.torrents.find((x) => x.hash === id);
    if (!t) return `torrent_id ${String(id)} not in session.`;
    d.torrents.splice(d.torrents.indexOf(t), 1);
    if (removeData === true) d.deletedData!.push(t.hash);
    return undefined;
  };

  // Daemon methods, answered by the connected daemon (core.py, daemon.py).
  const remote: Record<string, (d: DelugeDaemon, p: unknown[]) => unknown> = {
    "daemon.get_version": () => version,
    "daemon.get_method_list": () => Object.keys(remote),
    "core.get_torrents_status": (d, [filter, keys]) => {
      if (opts.fail?.torrentsStatus === "malformed") return { [d.torrents[0]?.hash ?? "x"]: { name: 42 } };
      if (opts.fail?.torrentsStatus === "daemon-error") throw new Failure(4, "Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>: boom\n]");
      const ids = (filter as { id?: unknown } | null)?.id;
      const chosen = ids === undefined ? d.torrents : d.torrents.filter((t) => ([] as unknown[]).concat(ids).includes(t.hash));
      return Object.fromEntries(chosen.map((t) => [t.hash, statusOf(d, t, keys)]));
    },
    "core.get_torrent_status": (d, [id, keys]) => {
      const t = d.torrents.find((x) => x.hash === id);
      return t ? statusOf(d, t, keys) : {};
    },
    "core.get_session_status": (d, [keys]) => {
      const running = d.sessionPaused ? [] : d.torrents;
      const all: Record<string, number> = {
        payload_download_rate: running.filter((t) => t.state === "Downloading").reduce((a, t) => a + (t.download_payload_rate ?? 0), 0),
        payload_upload_rate: running.filter((t) => t.state !== "Paused").reduce((a, t) => a + (t.upload_payload_rate ?? 0), 0),
      };
      return Array.isArray(keys) && keys.length ? Object.fromEntries(Object.entries(all).filter(([k]) => keys.includes(k))) : all;
    },
    "core.is_session_paused": (d) => d.sessionPaused === true,
    "core.pause_session": (d) => ((d.sessionPaused = true), null),
    "core.resume_session": (d) => ((d.sessionPaused = false), null),
    "core.pause_torrent": (d, [ids]) => each(d, ids, (t) => (t.state = "Paused")),
    "core.pause_torrents": (d, [ids]) => each(d, ids ?? [], (t) => (t.state = "Paused")),
    "core.resume_torrent": (d, [ids]) => each(d, ids, resumeOne),
    "core.resume_torrents": (d, [ids]) => each(d, ids ?? [], resumeOne),
    "core.remove_torrent": (d, [id, removeData]) => {
      const error = removeOne(d, id, removeData);
      if (error) throw new Failure(4, `Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.InvalidTorrentError'>: ${error}\n]`);
      return true;
    },
    "core.remove_torrents": (d, [ids, removeData]) =>
      (Array.isArray(ids) ? ids : []).flatMap((id) => {
        const error = removeOne(d, id, removeData);
        return error ? [[id, error]] : [];
      }),
  };

  // Web-side methods (json_api.py WebApi, auth.py Auth); `open` ones need no login (AUTH_LEVEL_NONE).
  const local: Record<string, { open?: boolean; run: (p: unknown[], res: http.ServerResponse, session?: string) => unknown }> = {
    "auth.login": {
      open: true,
      run([password], res) {
        if (password !== opts.password) return false;
        const id = crypto.randomBytes(32).toString("hex");
        sessions.add(id);
        setCookie(res, `${id}${checksum(id)}`);
        return true;
      },
    },
    "auth.check_session": { open: true, run: (_p, _r, session) => session !== undefined },
    "auth.delete_session": { run: (_p, _r, session) => (sessions.delete(session!), true) },
    "web.connected": { run: () => daemon() !== undefined },
    "web.get_hosts": { run: () => daemons.map((d) => [d.id, d.host, d.port, "localclient"]) },
    "web.get_host_status": {
      run([id]) {
        const d = daemons.find((x) => x.id === id);
        if (!d?.online) return [id, "Offline", ""];
        return [id, d.id === connectedTo ? "Connected" : "Online", version];
      },
    },
    "web.connect": {
      run([id]) {
        const d = daemons.find((x) => x.id === id);
        if (!d?.online) return null;
        connectedTo = d.id;
        knowsRemote = true;
        return Object.keys(remote);
      },
    },
    "web.disconnect": { run: () => ((connectedTo = undefined), true) },
    "web.get_torrent_status": {
      run([id, keys]) {
        const d = daemon();
        const t = d?.torrents.find((x) => x.hash === id);
        const status = d && t ? statusOf(d, t, keys) : {};
        if (opts.release === "2.0") for (const k of XSS_VULN_KEYS) if (typeof status[k] === "string") status[k] = xmlEscape(status[k] as string);
        return status;
      },
    },
  };

  const checksum = (id: string) => [...id].reduce((a, c) => a + c.charCodeAt(0), 0);
  // auth.py `_create_session` and `check_request` (which renews the expiry of a valid session on every call).
  const setCookie = (res: http.ServerResponse, value: string) => {
    const expires = new Date(Date.now() + 3600_000).toUTCString();
    const prior = res.getHeader("set-cookie");
    const cookie = `_session_id=${value}; Expires=${expires}; Path=${opts.release === "2.2" ? "/" : "/json"}`;
    res.setHeader("set-cookie", Array.isArray(prior) ? [...prior, cookie] : [cookie]);
  };

  const reply = (res: http.ServerResponse, id: unknown, result: unknown, error: { message: string; code: number } | null) =>
    sendJson(res, 200, { result, error, id }, { "content-type": "application/json" });

  const server = await startFakeServer((req, res) => {
    if (req.url.split("?")[0] !== "/json") {
      res.writeHead(404, { "content-type": "text/html" });
      return void res.end("<html><head><title>404 - No Such Resource</title></head></html>");
    }
    if (req.method !== "POST") {
      res.writeHead(405);
      return void res.end();
    }
    const bad = (message: string) => reply(res, null, null, { code: 5, message });
    const ct = req.headers["content-type"];
    if (ct === undefined) return bad("AttributeError: 'NoneType' object has no attribute 'decode'");
    const mediaType = opts.release === "2.0" ? ct : ct.split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json") return bad(`JSONException: Invalid JSON request content-type: ${mediaType}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body);
    } catch {
      return bad("JSONException: JSON not decodable");
    }
    for (const key of ["method", "params", "id"]) {
      if (!(key in body)) return bad(`JSONException: Invalid JSON request, missing param '${key}' in ${JSON.stringify(body)}`);
    }
    const method = String(body.method);
    const params = Array.isArray(body.params) ? body.params : [];
    methods.push(method);
    const cookie = /(?:^|;\s*)_session_id=([0-9a-f]{64})(\d+)/.exec(String(req.headers.cookie ?? ""));
    const valid = cookie && checksum(cookie[1]!) === Number(cookie[2]) && sessions.has(cookie[1]!);
    const session = valid ? cookie[1] : undefined;
    const checkRequest = (open = false) => {
      if (session) setCookie(res, `${cookie![1]}${cookie![2]}`);
      else if (!open) throw new Failure(1, "Not authenticated");
    };
    try {
      const l = local[method];
      if (l) {
        checkRequest(l.open);
        return reply(res, body.id, l.run(params, res, session), null);
      }
      if (!(knowsRemote && method in remote)) throw new Failure(2, "Unknown method");
      checkRequest();
      const d = daemon();
      // Disconnected after knowing the methods: deluge/ui/client.py RemoteMethod calls None.call (error 3).
      if (!d) throw new Failure(3, "AttributeError: 'NoneType' object has no attribute 'call'");
      return reply(res, body.id, remote[method]!(d, params), null);
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      return reply(res, body.id, null, { message: e.message, code: e.code });
    }
  });
  return Object.assign(server, { daemons, connectedTo: () => connectedTo, methods });
}
