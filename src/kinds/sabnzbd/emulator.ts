import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { compareVersions } from "../../engine/version.js";
import { startFakeServer, type FakeServer, type Recorded } from "../testing/server.js";

/**
 * Emulator of SABnzbd's API (`/api?mode=…`) as the sabnzbd kind and its downloads capability use it. Facts from
 * SABnzbd's source (github.com/sabnzbd/sabnzbd), cited next to each behaviour at the release tags 3.0.0 (the
 * oldest release the kind supports) and 4.5.5 (the newest 4.x); "api.py" = sabnzbd/api.py, "interface.py" =
 * sabnzbd/interface.py, "nzbqueue.py" = sabnzbd/nzbqueue.py.
 *
 * What changed between them (everything else below is the same at both tags):
 * - A wrong or missing API key: up to 3.2.x `api_handler` answers `report(output, msg)`, i.e. HTTP 200 with
 *   `{"status": false, "error": "API Key Incorrect"}` under output=json (api.py 3.0.0). From 3.3.0 the key is
 *   checked in `secured_expose` (interface.py 3.3.0 … 4.5.5), which sets HTTP 403 and answers the message as plain
 *   text — or nothing at all when `api_warnings` is off (cfg.py 4.5.5 `api_warnings`, default on).
 * - Without output=json, 3.0.0 answers plain text (api.py 3.0.0 `report`: "ok\n", "error: …\n", `str(data)`);
 *   4.x answers JSON unless output=xml (api.py 4.5.5 `report`). The kind always sends output=json.
 * - 4.x queue slots carry `time_added` and the queue a `status` (api.py 4.5.5 `build_queue`).
 */
export interface SabJob {
  nzo_id: string;
  /** The job's name: `slot.filename` (queue). */
  name: string;
  bytes: number;
  bytesLeft?: number;
  /** Own state: "Queued" or "Paused" (a job of a running queue is listed as "Downloading"). */
  status?: "Queued" | "Paused" | "Checking";
  cat?: string;
  timeAdded?: number;
}

export interface SabEmulatorOptions {
  /** Reported by mode=version and queue.version: "3.0.0", "4.5.5", … */
  version: string;
  apiKey: string;
  nzbKey: string;
  jobs?: SabJob[];
  /** Finished jobs listed by mode=history. */
  history?: { nzo_id: string; name: string; status: "Completed" | "Failed"; bytes: number }[];
  /** Download speed in bytes/s (BPSMeter.bps); 0 makes every timeleft "0:00:00" (api.py `calc_timeleft`). */
  bps?: number;
  /** misc.api_warnings (default on): off makes the 403 of a wrong key empty (3.3.0+). */
  apiWarnings?: boolean;
  /** Where each job's folder is made on add and deleted with del_files=1 (cfg download_dir). */
  downloadDir?: string;
}

export interface SabEmulator extends FakeServer {
  jobs: SabJob[];
  /** Whether the downloader is paused (mode=pause / mode=resume). */
  paused(): boolean;
}

const MEBI = 1024 * 1024;
const JOB_STATES = new Set(["Paused", "Fetching", "Grabbing"]);

export async function startSabnzbdEmulator(opts: SabEmulatorOptions): Promise<SabEmulator> {
  const jobs = (opts.jobs ?? []).map((j) => ({ ...j }));
  const key403 = compareVersions(opts.version, "3.3.0") >= 0;
  const is4 = compareVersions(opts.version, "4.0.0") >= 0;
  let paused = false;
  const folder = (j: SabJob) => (opts.downloadDir ? path.join(opts.downloadDir, j.name) : undefined);
  for (const j of jobs) if (folder(j)) fs.mkdirSync(folder(j)!, { recursive: true });

  const server = await startFakeServer(async (req: Recorded, res) => {
    const url = new URL(req.url, "http://x");
    // cherrypy merges query and form fields into kwargs (interface.py `api(self, **kwargs)`).
    const kw = new Map(url.searchParams);
    let upload: File | undefined;
    if (req.method === "POST" && /multipart\/form-data/.test(String(req.headers["content-type"]))) {
      const form = await new Response(req.body, { headers: { "content-type": String(req.headers["content-type"]) } }).formData();
      for (const [k, v] of form) {
        if (typeof v === "string") kw.set(k, v);
        else if (k === "name" || k === "nzbfile") upload = v;
      }
    }
    if (url.pathname !== "/api") {
      res.writeHead(200, { "content-type": "text/html;charset=utf-8" });
      res.end("<!DOCTYPE html><html><head><title>SABnzbd</title></head><body></body></html>");
      return;
    }
    const mode = kw.get("mode") ?? "";
    const name = kw.get("name") ?? "";
    const output = kw.get("output") ?? "";
    const json = output === "json" || (is4 && output !== "xml");

    const report = (error?: string, keyword = "value", data?: unknown) => {
      // api.py `report`: error → {status:false,error}; no data → {status:true}; keyword "" → data as is.
      if (json) {
        const info = error ? { status: false, error } : data === undefined ? { status: true } : keyword ? { [keyword]: data } : data;
        res.writeHead(200, { "content-type": "application/json;charset=UTF-8", pragma: "no-cache" });
        return void res.end(JSON.stringify(info));
      }
      res.writeHead(200, { "content-type": "text/plain", pragma: "no-cache" });
      res.end(error ? `error: ${error}\n` : data === undefined ? "ok\n" : `${typeof data === "string" ? data : pyRepr(data)}\n`);
    };

    // mode=version and mode=auth skip the key check (api.py 3.0.0 `api_handler`; interface.py 4.5.5 `check_apikey`).
    if (mode !== "version" && mode !== "auth") {
      const key = kw.get("apikey");
      // The NZB key is enough only for access level 1 (adding NZBs: api.py `_api_table` levels, interface.py `check_apikey`).
      const level1 = mode === "addfile" || mode === "addurl" || mode === "addlocalfile";
      const msg = !key ? "API Key Required" : key === opts.apiKey || (level1 && key === opts.nzbKey) ? undefined : "API Key Incorrect";
      if (msg) {
        if (!key403) return report(msg);
        // interface.py 3.3.0+ `secured_expose`: status 403 and the message as the body (cherrypy's text/html).
        res.writeHead(403, { "content-type": "text/html;charset=utf-8" });
        return void res.end(opts.apiWarnings === false ? "" : msg);
      }
    }

    switch (mode) {
      case "version":
        return report(undefined, "version", opts.version);
      case "queue":
        return queueMode(name, kw, report);
      case "history":
        // api.py `_api_history` default: {"history": {slots, noofslots, version, …}}.
        return report(undefined, "history", {
          slots: (opts.history ?? []).map((h) => ({ nzo_id: h.nzo_id, name: h.name, status: h.status, bytes: h.bytes, category: "*" })),
          noofslots: (opts.history ?? []).length,
          version: opts.version,
        });
      case "pause":
        // api.py `_api_pause`: Downloader.pause(); report() → {"status": true}.
        paused = true;
        return report();
      case "resume":
        paused = false;
        return report();
      case "addfile": {
        // api.py `_api_addfile`: the upload in "name" or "nzbfile"; {"status": true, "nzo_ids": [...]}.
        if (!upload?.name) return report("expects one parameter");
        const text = await upload.text();
        const bytes = [...text.matchAll(/<segment[^>]*\bbytes="(\d+)"/g)].reduce((a, m) => a + Number(m[1]), 0);
        const job: SabJob = { nzo_id: `SABnzbd_nzo_${crypto.randomBytes(4).toString("hex")}`, name: upload.name.replace(/\.nzb$/i, ""), bytes, status: "Queued" };
        if (kw.get("cat")) job.cat = kw.get("cat");
        jobs.push(job);
        if (folder(job)) fs.mkdirSync(folder(job)!, { recursive: true });
        return report(undefined, "", { status: true, nzo_ids: [job.nzo_id] });
      }
      default:
        // api.py `_api_undefined`: report(_MSG_NOT_IMPLEMENTED).
        return report("not implemented");
    }
  });

  function queueMode(name: string, kw: Map<string, string>, report: (error?: string, keyword?: string, data?: unknown) => void) {
    const ids = (kw.get("value") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    switch (name) {
      case "pause":
      case "resume": {
        // api.py `_api_queue_pause|resume` + nzbqueue.py `pause_multiple_nzo`: every id given is echoed as handled,
        // known or not; no value → {"status": false, "nzo_ids": false}.
        if (!ids.length) return report(undefined, "", { status: false, nzo_ids: false });
        for (const j of jobs) if (ids.includes(j.nzo_id)) j.status = name === "pause" ? "Paused" : "Queued";
        return report(undefined, "", { status: true, nzo_ids: ids });
      }
      case "delete": {
        // api.py `_api_queue_delete` + nzbqueue.py `remove_multiple`: only removed ids are answered; del_files=1
        // deletes what was downloaded (int_conv in 3.0.0, bool_conv in 4.5.5 — same for "0"/"1"). No value → error.
        if (!ids.length) return report("expects one parameter");
        const removed = jobs.filter((j) => ids.includes(j.nzo_id));
        for (const j of removed) {
          jobs.splice(jobs.indexOf(j), 1);
          if (kw.get("del_files") === "1" && folder(j)) fs.rmSync(folder(j)!, { recursive: true, force: true });
        }
        return report(undefined, "", { status: removed.length > 0, nzo_ids: removed.map((j) => j.nzo_id) });
      }
      default: {
        // api.py `_api_queue_default` → `build_queue`: start/limit.
        const start = Number(kw.get("start") ?? 0) || 0;
        const limit = Number(kw.get("limit") ?? 0) || 0;
        return report(undefined, "queue", buildQueue(start, limit));
      }
    }
  }

  function buildQueue(start: number, limit: number) {
    const bps = paused ? 0 : (opts.bps ?? 0);
    const page = jobs.slice(start, limit ? start + limit : undefined);
    let running = jobs.slice(0, start).reduce((a, j) => a + (j.bytesLeft ?? j.bytes), 0);
    const slots = page.map((j, i) => {
      const left = j.bytesLeft ?? j.bytes;
      const own = j.status ?? "Queued";
      // build_queue: a running downloader lists its jobs as Downloading unless paused/fetching/grabbing;
      // a paused downloader lists each job's own status.
      const status = !paused && !JOB_STATES.has(own) ? (own === "Checking" ? "Checking" : "Downloading") : own;
      let timeleft = "0:00:00";
      if (!paused && ["Downloading", "Fetching", "Queued"].includes(own)) {
        running += left;
        timeleft = calcTimeleft(running, bps);
      }
      const mb = j.bytes / MEBI;
      const mbleft = left / MEBI;
      const slot: Record<string, unknown> = {
        index: start + i,
        nzo_id: j.nzo_id,
        priority: "Normal",
        script: "None",
        filename: j.name,
        labels: [],
        password: "",
        cat: j.cat ?? "None",
        mbleft: mbleft.toFixed(2),
        mb: mb.toFixed(2),
        size: `${mb.toFixed(1)} MB`,
        sizeleft: `${mbleft.toFixed(1)} MB`,
        // int(((mb - mbleft) / mb) * 100) as a string, "0" when nothing is done.
        percentage: mb !== mbleft ? String(Math.trunc(((mb - mbleft) / mb) * 100)) : "0",
        mbmissing: "0.00",
        status,
        timeleft,
        avg_age: "-",
      };
      if (is4) slot.time_added = j.timeAdded ?? 1_700_000_000;
      return slot;
    });
    const info: Record<string, unknown> = {
      // build_queue_header: version, paused, kbpersec ("%.2f" of KiB/s).
      version: opts.version,
      paused,
      kbpersec: (bps / 1024).toFixed(2),
      noofslots: jobs.length,
      start,
      limit,
      slots,
    };
    if (is4) info.status = paused ? "Paused" : bps > 0 ? "Downloading" : "Idle";
    return info;
  }

  return Object.assign(server, { jobs, paused: () => paused });
}

/** api.py `calc_timeleft`: "H:MM:SS", days first when any; a zero speed (ZeroDivisionError) → "0:00:00". */
function calcTimeleft(bytesLeft: number, bps: number): string {
  if (bytesLeft <= 0 || bps <= 0) return "0:00:00";
  const total = Math.trunc(bytesLeft / bps);
  const [d, h, m, s] = [Math.trunc(total / 86400), Math.trunc(total / 3600) % 24, Math.trunc(total / 60) % 60, total % 60];
  const p = (n: number) => String(n).padStart(2, "0");
  return d > 0 ? `${d}:${p(h)}:${p(m)}:${p(s)}` : `${h}:${p(m)}:${p(s)}`;
}

/** Python's str() of the data report() prints in 3.0.0's plain-text output (dicts, lists, strings, bools). */
function pyRepr(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(", ")}}`;
  return String(v);
}
