import type http from "node:http";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of aria2's JSON-RPC interface (POST /jsonrpc), per release. Facts from github.com/aria2/aria2 at tags
 * release-1.36.0 (Debian 12) and release-1.37.0 (Debian 13):
 * - src/RpcMethod.cc `authorize`: a first parameter "token:<secret>" is taken off the parameter list; a wrong
 *   or missing token (when --rpc-secret is set) is the error {code: 1, message: "Unauthorized"}. Without
 *   --rpc-secret every token passes (DownloadEngine::validateToken).
 * - src/HttpServerBodyCommand.cc `sendJsonRpcResponse`: error code 1 (a method's error) and -32600 answer HTTP
 *   400, -32601 404, anything else (-32700 parse error) 500; a not-authorized answer is sent after a 1 s delay
 *   (DelayedCommand, 1_s). Content-Type application/json-rpc.
 * - src/rpc_helper.cc `processJsonRpcRequest`: no "id" or no "method" is -32600 "Invalid Request."; params not
 *   a list is -32602 "Invalid params.".
 * - src/RpcMethodImpl.cc: `str2Gid` ("Invalid GID %s", "GID %s is not found", "GID %s is not unique"; a unique
 *   prefix is accepted), pause/forcePause ("GID#%s cannot be paused now"), unpause ("GID#%s cannot be unpaused
 *   now"), remove/forceRemove ("Active Download not found for GID#%s"; an active download stops
 *   asynchronously, then is a "removed" download result), removeDownloadResult ("Could not remove download
 *   result of GID#%s"), tellStatus/tellActive/tellWaiting/tellStopped (every number a decimal string; only the
 *   requested keys; AbstractPaginationRpcMethod's offset/num), getGlobalStat, getVersion, NoSuchMethodRpcMethod
 *   ("No such method: %s", after authorize).
 * Between 1.36.0 and 1.37.0 none of these files changed (git diff release-1.36.0 release-1.37.0 -- src/Rpc*
 * src/HttpServerBodyCommand.cc src/rpc_helper.cc is empty): only the version string differs.
 */
export type Aria2Release = "1.36" | "1.37";

const VERSIONS: Record<Aria2Release, string> = { "1.36": "1.36.0", "1.37": "1.37.0" };
// Debian's build (`aria2c --version`, "Enabled Features", the same in both releases).
const FEATURES = ["Async DNS", "BitTorrent", "Firefox3 Cookie", "GZip", "HTTPS", "Message Digest", "Metalink", "XML-RPC", "SFTP"];

export interface Aria2Download {
  /** 16 hex digits. */
  gid: string;
  status: "active" | "waiting" | "paused" | "complete" | "error" | "removed";
  totalLength: number;
  completedLength: number;
  uploadLength?: number;
  downloadSpeed?: number;
  uploadSpeed?: number;
  /** The file's path (empty until aria2 knows the name). */
  path?: string;
  uri?: string;
  /** Set for a BitTorrent download. */
  torrentName?: string;
  errorMessage?: string;
}

export interface Aria2EmulatorOptions {
  release: Aria2Release;
  /** --rpc-secret; undefined: started without one. */
  token?: string;
  downloads?: Aria2Download[];
  /** The real 1 s delay of a not-authorized answer (tests may shorten it). */
  unauthorizedDelayMs?: number;
  fail?: { tellActive?: "500" | "malformed" };
}

export interface Aria2Emulator extends FakeServer {
  downloads: Aria2Download[];
}

class RpcError extends Error {}

export async function startAria2Emulator(opts: Aria2EmulatorOptions): Promise<Aria2Emulator> {
  const downloads = (opts.downloads ?? []).map((d) => ({ ...d }));
  const delay = opts.unauthorizedDelayMs ?? 1000;
  const unfinished = (d: Aria2Download) => d.status === "active" || d.status === "waiting" || d.status === "paused";

  // str2Gid + GroupId::expandUnique: at most 16 hex digits, a unique prefix of a known GID.
  const gidOf = (param: unknown): Aria2Download => {
    if (typeof param !== "string") throw new RpcError("The parameter at 0 has wrong type.");
    if (param.length > 16 || !/^[0-9a-fA-F]+$/.test(param)) throw new RpcError(`Invalid GID ${param}`);
    const hits = downloads.filter((d) => d.gid.startsWith(param.toLowerCase()));
    if (hits.length === 0) throw new RpcError(`GID ${param} is not found`);
    if (hits.length > 1) throw new RpcError(`GID ${param} is not unique`);
    return hits[0]!;
  };

  const entry = (d: Aria2Download, keys: unknown) => {
    const all: Record<string, unknown> = {
      gid: d.gid,
      status: d.status,
      totalLength: String(d.totalLength),
      completedLength: String(d.completedLength),
      uploadLength: String(d.uploadLength ?? 0),
      downloadSpeed: String(d.status === "active" ? (d.downloadSpeed ?? 0) : 0),
      uploadSpeed: String(d.status === "active" ? (d.uploadSpeed ?? 0) : 0),
      files: [
        {
          index: "1",
          path: d.path ?? "",
          length: String(d.totalLength),
          completedLength: String(d.completedLength),
          selected: "true",
          uris: d.uri ? [{ uri: d.uri, status: "used" }] : [],
        },
      ],
      ...(d.torrentName !== undefined ? { bittorrent: { info: { name: d.torrentName } } } : {}),
      // gatherStoppedDownload: errorCode/errorMessage only for download results.
      ...(unfinished(d) ? {} : { errorCode: d.status === "error" ? "1" : "0", errorMessage: d.errorMessage ?? "" }),
    };
    // requested_key: an empty or absent key list means every key.
    const wanted = Array.isArray(keys) && keys.length ? keys.map(String) : Object.keys(all);
    return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
  };

  // AbstractPaginationRpcMethod::getPaginationRange: a negative offset counts from the end, in reverse order.
  const page = (list: Aria2Download[], offset: unknown, num: unknown) => {
    if (typeof offset !== "number" || typeof num !== "number") throw new RpcError("Bad offset/num.");
    if (num <= 0) return [];
    if (offset >= 0) return list.slice(offset, offset + num);
    const end = list.length + offset;
    return end < 0 ? [] : list.slice(Math.max(0, end - num + 1), end + 1).reverse();
  };

  const methods: Record<string, (p: unknown[]) => unknown> = {
    "aria2.getVersion": () => ({ version: VERSIONS[opts.release], enabledFeatures: FEATURES }),
    "aria2.getGlobalStat": () => {
      const active = downloads.filter((d) => d.status === "active");
      return {
        downloadSpeed: String(active.reduce((a, d) => a + (d.downloadSpeed ?? 0), 0)),
        uploadSpeed: String(active.reduce((a, d) => a + (d.uploadSpeed ?? 0), 0)),
        numActive: String(active.length),
        numWaiting: String(downloads.filter((d) => d.status === "waiting" || d.status === "paused").length),
        numStopped: String(downloads.filter((d) => !unfinished(d)).length),
        numStoppedTotal: String(downloads.filter((d) => !unfinished(d)).length),
      };
    },
    "aria2.tellStatus": (p) => entry(gidOf(p[0]), p[1]),
    "aria2.tellActive": (p) => downloads.filter((d) => d.status === "active").map((d) => entry(d, p[0])),
    "aria2.tellWaiting": (p) => page(downloads.filter((d) => d.status === "waiting" || d.status === "paused"), p[0], p[1]).map((d) => entry(d, p[2])),
    "aria2.tellStopped": (p) => page(downloads.filter((d) => !unfinished(d)), p[0], p[1]).map((d) => entry(d, p[2])),
    "aria2.pause": (p) => pause(gidOf(p[0])),
    "aria2.forcePause": (p) => pause(gidOf(p[0])),
    "aria2.pauseAll": () => (downloads.filter((d) => d.status === "active" || d.status === "waiting").forEach((d) => (d.status = "paused")), "OK"),
    "aria2.forcePauseAll": () => methods["aria2.pauseAll"]!([]),
    "aria2.unpause": (p) => {
      const d = gidOf(p[0]);
      if (d.status !== "paused") throw new RpcError(`GID#${d.gid} cannot be unpaused now`);
      d.status = "waiting";
      return d.gid;
    },
    // UnpauseAllRpcMethod clears the pause flag of every reserved group; the queue check then starts them.
    "aria2.unpauseAll": () => (downloads.filter((d) => d.status === "paused").forEach((d) => (d.status = "waiting")), "OK"),
    "aria2.remove": (p) => remove(gidOf(p[0])),
    "aria2.forceRemove": (p) => remove(gidOf(p[0])),
    "aria2.removeDownloadResult": (p) => {
      const d = gidOf(p[0]);
      if (unfinished(d)) throw new RpcError(`Could not remove download result of GID#${d.gid}`);
      downloads.splice(downloads.indexOf(d), 1);
      return "OK";
    },
  };

  function pause(d: Aria2Download): string {
    // pauseRequestGroup: an already paused (or stopped) download cannot be paused again.
    if (d.status !== "active" && d.status !== "waiting") throw new RpcError(`GID#${d.gid} cannot be paused now`);
    d.status = "paused";
    return d.gid;
  }

  function remove(d: Aria2Download): string {
    if (!unfinished(d)) throw new RpcError(`Active Download not found for GID#${d.gid}`);
    // An active download is only asked to halt; it becomes a "removed" result on a later engine tick.
    if (d.status === "active") setTimeout(() => (d.status = "removed"), 50);
    else d.status = "removed";
    return d.gid;
  }

  const answer = (res: http.ServerResponse, status: number, body: object) => sendJson(res, status, { jsonrpc: "2.0", ...body }, { "content-type": "application/json-rpc" });

  const server = await startFakeServer(async (req, res) => {
    if (req.url.split("?")[0] !== "/jsonrpc") {
      res.writeHead(404);
      return void res.end();
    }
    let body: { id?: unknown; method?: unknown; params?: unknown };
    try {
      body = JSON.parse(req.body);
    } catch {
      return answer(res, 500, { id: null, error: { code: -32700, message: "Parse error." } });
    }
    // Batch calls (a JSON array) are real aria2 but not emulated: Patchbay sends one call per request.
    if (Array.isArray(body)) throw new Error("batch calls are not emulated");
    if (typeof body !== "object" || body === null) return answer(res, 400, { id: null, error: { code: -32600, message: "Invalid Request." } });
    if (body.id === undefined || typeof body.method !== "string") return answer(res, 400, { id: body.id ?? null, error: { code: -32600, message: "Invalid Request." } });
    const params = body.params === undefined ? [] : body.params;
    if (!Array.isArray(params)) return answer(res, 500, { id: body.id, error: { code: -32602, message: "Invalid params." } });
    const first = params[0];
    let token = "";
    if (typeof first === "string" && first.startsWith("token:")) {
      token = first.slice(6);
      params.shift();
    }
    if (opts.token !== undefined && token !== opts.token) {
      await new Promise((r) => setTimeout(r, delay));
      return answer(res, 400, { id: body.id, error: { code: 1, message: "Unauthorized" } });
    }
    if (body.method === "aria2.tellActive" && opts.fail?.tellActive === "500") {
      res.writeHead(500);
      return void res.end();
    }
    if (body.method === "aria2.tellActive" && opts.fail?.tellActive === "malformed") return answer(res, 200, { id: body.id, result: [{ gid: 7 }] });
    const method = methods[body.method];
    try {
      if (!method) throw new RpcError(`No such method: ${body.method}`);
      return answer(res, 200, { id: body.id, result: method(params) });
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      return answer(res, 400, { id: body.id, error: { code: 1, message: e.message } });
    }
  });
  return Object.assign(server, { downloads });
}
