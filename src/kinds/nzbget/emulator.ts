import type http from "node:http";
import { compareVersions } from "../../engine/version.js";
import { startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";

/**
 * Emulator of NZBGet's JSON-RPC API (`POST /jsonrpc`) as the nzbget kind and its downloads capability use it.
 * Facts from NZBGet's source (github.com/nzbgetcom/nzbget, which carries nzbget/nzbget's history and tags), cited
 * next to each behaviour at the tags v21.0 (Debian 12's release) and v25.4 (the newest 25.x); "XmlRpc.cpp" =
 * daemon/remote/XmlRpc.cpp, "WebServer.cpp" = daemon/remote/WebServer.cpp, "QueueEditor.cpp" =
 * daemon/queue/QueueEditor.cpp.
 *
 * What changed between them (the methods, edit commands and listgroups fields the kind uses did not:
 * GroupPause/GroupResume/GroupDelete/GroupParkDelete/GroupFinalDelete are in XmlRpc.cpp `EditCommandNameMap` at
 * both tags, and listgroups sends FileSizeLo/Hi/MB, RemainingSizeLo/Hi/MB at both):
 * - status: from v24.2 (commit 6d6d973c "Speed value overflow (#314)") DownloadRateLo/Hi and
 *   AverageDownloadRateLo/Hi carry the 64-bit speeds and DownloadRate is deprecated: `Util::SafeIntCast` makes it
 *   0 when the speed does not fit an int32 (daemon/util/Util.h v25.4). v21.0 sends only `(int)` DownloadRate.
 * - Credentials in the path (/user:pass/jsonrpc): URL-decoded from v21.1 (commit 7ff3251d "#682: allow special
 *   characters in URL for username and password", WebServer.cpp `ParseUrl`); v21.0 compares them as sent.
 */
export interface NzbGroup {
  NZBID: number;
  NZBName: string;
  /** Total size in bytes (FileSizeLo/Hi/MB). */
  size: number;
  /** Bytes left (RemainingSizeLo/Hi/MB). */
  remaining?: number;
  paused?: boolean;
  /** ActiveDownloads > 0 → DOWNLOADING. */
  active?: boolean;
  Category?: string;
}

export interface NzbHistoryItem {
  NZBID: number;
  Name: string;
  Status: string;
  Category: string;
}

export interface NzbEmulatorOptions {
  /** `version`'s answer: "21.0", "25.4", … */
  version: string;
  username: string;
  /** ControlPassword; "" = no login at all (WebServer.cpp `CheckCredentials`). */
  password: string;
  groups?: NzbGroup[];
  /** Current download speed, bytes/s (StatMeter::CalcCurrentDownloadSpeed). */
  downloadRate?: number;
}

export interface NzbEmulator extends FakeServer {
  groups: NzbGroup[];
  history: NzbHistoryItem[];
  /** NZBIDs whose downloaded files were deleted (CleanupDisk: every delete but GroupParkDelete). */
  cleanedUp: number[];
  downloadPaused(): boolean;
}

const I32_MAX = 2 ** 31 - 1;
const split = (n: number) => ({ lo: n % 2 ** 32, hi: Math.floor(n / 2 ** 32), mb: Math.floor(n / 1024 / 1024) });

export async function startNzbgetEmulator(opts: NzbEmulatorOptions): Promise<NzbEmulator> {
  const groups = (opts.groups ?? []).map((g) => ({ ...g }));
  const history: NzbHistoryItem[] = [];
  const cleanedUp: number[] = [];
  const v242 = compareVersions(opts.version, "24.2") >= 0;
  const decodesPath = compareVersions(opts.version, "21.1") >= 0;
  let paused = false;
  let nextId = Math.max(0, ...groups.map((g) => g.NZBID)) + 1;

  const server = await startFakeServer((req: Recorded, res) => {
    // The web UI lives under /nzbget/ too: the prefix is dropped (WebServer.cpp `ParseUrl`).
    let url = req.url.split("?")[0]!.replace(/^\/nzbget\//, "/");
    let pathAuth: string | undefined;
    // /user:pass/jsonrpc: the first path segment holds credentials when it has a ':' (WebServer.cpp `ParseUrl`).
    const m = /^\/([^/]*:[^/]*)(\/.*)$/.exec(url);
    if (m) {
      pathAuth = decodesPath ? decodeURIComponent(m[1]!) : m[1]!;
      url = m[2]!;
    }
    // "Authorization: Basic" (or X-Authorization) when the path had none (WebServer.cpp `ParseHeaders`).
    const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? req.headers["x-authorization"] ?? ""))?.[1];
    const auth = pathAuth ?? (basic ? Buffer.from(basic, "base64").toString("utf8") : "");
    const common = { server: `nzbget-${opts.version}` };

    // An empty ControlPassword switches the login off (WebServer.cpp `CheckCredentials`); the user name must
    // match unless ControlUsername is empty.
    if (opts.password) {
      const i = auth.indexOf(":");
      const [user, pass] = i < 0 ? [auth, undefined] : [auth.slice(0, i), auth.slice(i + 1)];
      if (!((!opts.username || user === opts.username) && pass === opts.password)) return unauthorized(req, res, common);
    }

    if (url !== "/jsonrpc") {
      res.writeHead(200, { ...common, "content-type": "text/html" });
      return void res.end("<!DOCTYPE html><html><head><title>NZBGet</title></head><body></body></html>");
    }
    let call: { method?: unknown; params?: unknown; id?: unknown };
    try {
      call = JSON.parse(req.body) as typeof call;
    } catch {
      call = {};
    }
    const params = Array.isArray(call.params) ? call.params : [];
    // XmlRpc.cpp `BuildResponse`: {"version": "1.1", "id": <as sent>, "result" | "error": …}.
    const reply = (body: { result: unknown } | { error: { name: string; code: number; message: string } }) => {
      res.writeHead(200, { ...common, "content-type": "application/json" });
      res.end(JSON.stringify({ version: "1.1", ...(call.id !== undefined ? { id: call.id } : {}), ...body }));
    };
    // XmlCommand::BuildErrorResponse.
    const fault = (code: number, message: string) => reply({ error: { name: "JSONRPCError", code, message } });
    const method = String(call.method ?? "").toLowerCase();
    switch (method) {
      case "version":
        // XmlRpc.cpp `VersionXmlCommand`: Util::VersionRevision(), e.g. "21.0".
        return reply({ result: opts.version });
      case "status":
        return reply({ result: status() });
      case "listgroups":
        return reply({ result: groups.map(listGroup) });
      case "history":
        return reply({ result: history });
      case "pausedownload":
      case "pause":
      case "resumedownload":
      case "resume":
        // PauseUnpauseXmlCommand paDownload: SetPauseDownload; answers true.
        paused = method.startsWith("pause");
        return reply({ result: true });
      case "editqueue":
        return editQueue(params, reply, fault);
      case "append":
        return append(params, reply, fault);
      default:
        // XmlRpcProcessor: unknown method → code 1 "Invalid procedure".
        return fault(1, "Invalid procedure");
    }
  });

  function status() {
    const rate = paused ? 0 : (opts.downloadRate ?? 0);
    const remaining = groups.reduce((a, g) => a + (g.remaining ?? g.size), 0);
    const r = split(remaining);
    const body: Record<string, unknown> = {
      RemainingSizeLo: r.lo,
      RemainingSizeHi: r.hi,
      RemainingSizeMB: r.mb,
      // v21.0: `(int)` of the 64-bit speed (wraps); v24.2+: SafeIntCast → 0 when it does not fit an int32.
      DownloadRate: v242 ? (rate > I32_MAX ? 0 : rate) : rate | 0,
      AverageDownloadRate: 0,
      DownloadLimit: 0,
      ThreadCount: 7,
      PostJobCount: 0,
      UrlCount: 0,
      ServerPaused: paused,
      DownloadPaused: paused,
      Download2Paused: paused,
      PostPaused: false,
      ScanPaused: false,
      ServerStandBy: rate === 0,
      QuotaReached: false,
    };
    if (v242) Object.assign(body, { DownloadRateLo: split(rate).lo, DownloadRateHi: split(rate).hi, AverageDownloadRateLo: 0, AverageDownloadRateHi: 0 });
    return body;
  }

  function listGroup(g: NzbGroup) {
    const size = split(g.size);
    const left = split(g.remaining ?? g.size);
    const pausedSize = split(g.paused ? (g.remaining ?? g.size) : 0);
    // ListGroupsXmlCommand::DetectStatus (no post-processing here): active → DOWNLOADING; all that is left
    // paused → PAUSED; else QUEUED.
    const status = g.active && !paused ? "DOWNLOADING" : g.paused && (g.remaining ?? g.size) > 0 ? "PAUSED" : "QUEUED";
    return {
      FirstID: g.NZBID,
      LastID: g.NZBID,
      RemainingSizeLo: left.lo,
      RemainingSizeHi: left.hi,
      RemainingSizeMB: left.mb,
      PausedSizeLo: pausedSize.lo,
      PausedSizeHi: pausedSize.hi,
      PausedSizeMB: pausedSize.mb,
      RemainingFileCount: 1,
      RemainingParCount: 0,
      MinPriority: 0,
      MaxPriority: 0,
      ActiveDownloads: g.active ? 1 : 0,
      Status: status,
      // NzbInfoXmlCommand::AppendNzbInfoFields.
      NZBID: g.NZBID,
      NZBName: g.NZBName,
      NZBNicename: g.NZBName,
      Kind: "NZB",
      URL: "",
      NZBFilename: `${g.NZBName}.nzb`,
      Category: g.Category ?? "",
      FileSizeLo: size.lo,
      FileSizeHi: size.hi,
      FileSizeMB: size.mb,
      FileCount: 1,
      MinPostTime: 1_700_000_000,
      MaxPostTime: 1_700_000_000,
      Health: 1000,
      CriticalHealth: 1000,
      DeleteStatus: "NONE",
      Parameters: [],
    };
  }

  type Reply = (body: { result: unknown }) => void;
  type Fault = (code: number, message: string) => void;

  function editQueue(params: unknown[], reply: Reply, fault: Fault) {
    // XmlRpc.cpp `EditQueueXmlCommand::Execute`: (Command, [Offset], Param, IDs…); an unknown command → code 3.
    const [command, ...rest] = params;
    if (typeof command !== "string") return fault(2, "Invalid parameter");
    const known = ["GroupPause", "GroupResume", "GroupDelete", "GroupParkDelete", "GroupFinalDelete"];
    const action = known.find((k) => k.toLowerCase() === command.toLowerCase());
    if (!action) return fault(3, "Invalid action");
    if (typeof rest[0] === "number") rest.shift();
    if (typeof rest[0] !== "string") return fault(2, "Invalid parameter");
    const ids = (Array.isArray(rest[1]) ? rest[1] : rest.slice(1)).filter((x): x is number => typeof x === "number");
    const hit = groups.filter((g) => ids.includes(g.NZBID));
    for (const g of hit) {
      if (action === "GroupPause") g.paused = true;
      else if (action === "GroupResume") g.paused = false;
      else {
        // QueueEditor.cpp `EditGroup`: SetCleanupDisk(not ParkDelete), SetAvoidHistory(FinalDelete); the job
        // goes to history as DELETED/MANUAL (daemon/queue/DownloadInfo.cpp `NzbInfo::MakeTextStatus`) unless FinalDelete.
        groups.splice(groups.indexOf(g), 1);
        if (action !== "GroupParkDelete") cleanedUp.push(g.NZBID);
        if (action !== "GroupFinalDelete") history.push({ NZBID: g.NZBID, Name: g.NZBName, Status: "DELETED/MANUAL", Category: g.Category ?? "" });
      }
    }
    // QueueEditor::InternEditList: `return itemList->size() > 0` — false when no id was in the queue.
    return reply({ result: hit.length > 0 });
  }

  function append(params: unknown[], reply: Reply, fault: Fault) {
    // v16+ signature (XmlRpc.cpp `DownloadXmlCommand`): NZBFilename, Content (base64), Category, Priority,
    // AddToTop, AddPaused, DupeKey, DupeScore, DupeMode, Parameters → the new NZBID.
    const [filename, content, category, , , addPaused] = params;
    if (typeof filename !== "string" || typeof content !== "string") return fault(2, "Invalid parameter (NZBFileName)");
    const nzb = Buffer.from(content, "base64").toString("utf8");
    const size = [...nzb.matchAll(/<segment[^>]*\bbytes="(\d+)"/g)].reduce((a, s) => a + Number(s[1]), 0);
    const g: NzbGroup = { NZBID: nextId++, NZBName: filename.replace(/\.nzb$/i, ""), size, paused: addPaused === true, Category: typeof category === "string" ? category : "" };
    groups.push(g);
    return reply({ result: g.NZBID });
  }

  return Object.assign(server, { groups, history, cleanedUp, downloadPaused: () => paused });
}

/**
 * WebProcessor::SendAuthResponse: 401, empty text/plain body, realm "NZBGet", "Server: nzbget-<version>", and the
 * Connection header the client asked for — NZBGet closes the socket after it even when it says keep-alive (seen on
 * Debian 12's 21.0; src/kinds/nzbget/rpc.ts).
 */
function unauthorized(req: Recorded, res: http.ServerResponse, common: Record<string, string>) {
  const keepAlive = /keep-alive/i.test(String(req.headers.connection ?? ""));
  res.writeHead(401, { ...common, "www-authenticate": 'Basic realm="NZBGet"', connection: keepAlive ? "keep-alive" : "close", "content-type": "text/plain", "content-length": "0" });
  res.end(() => res.socket?.destroy());
}
