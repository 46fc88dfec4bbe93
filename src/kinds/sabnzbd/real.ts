import fs from "node:fs";
import path from "node:path";
import { launchDaemon, type RealDaemon } from "../testing/launch.js";
import { findBinary } from "../testing/real-daemon.js";
import type { DaemonRelease } from "../testing/release.js";

/**
 * The real SABnzbd (Debian's sabnzbdplus 3.7.1, from "contrib"; needs unrar from "non-free") on 127.0.0.1
 * with a fresh config dir, a fixed API key and NZB key, no update check, no browser (docs/kinds.md, "Which real servers run locally").
 * Install it with scripts/install-sabnzbd.sh (it is not in Debian "main").
 */
const BINARY = "sabnzbdplus";

/** A hook that starts SABnzbd needs this long on a loaded machine: `--version` alone takes seconds, the start up to 45 s. */
export const SAB_START_MS = 120_000;

export interface RealSabnzbd extends RealDaemon {
  credentials: { apiKey: string; nzbKey: string };
  configDir: string;
}

let ok: boolean | undefined;
export function available(): boolean {
  if (ok === undefined) {
    ok = Boolean(findBinary(BINARY));
    if (!ok && process.env.PATCHBAY_REQUIRE_REAL_SERVERS === "1") {
      throw new Error(`${BINARY} not installed but PATCHBAY_REQUIRE_REAL_SERVERS=1 (run scripts/install-sabnzbd.sh)`);
    }
    if (!ok) {
      console.warn(
        `\n*** SKIPPED: SABnzbd real-server tests: ${BINARY} not installed. It is in Debian "contrib" and needs unrar from ` +
          `"non-free": run scripts/install-sabnzbd.sh as root (or add "contrib non-free" to the apt sources and ` +
          `apt-get install -y --no-install-recommends sabnzbdplus) ***\n`,
      );
    }
  }
  return ok;
}

export async function startSabnzbd(opts: { apiKey?: string; nzbKey?: string; release?: DaemonRelease } = {}): Promise<RealSabnzbd> {
  const apiKey = opts.apiKey ?? "5ab1e5ec7e7a41c6b0d2f3a4c5e6f7a8";
  const nzbKey = opts.nzbKey ?? "0b5d1c9e8f7a46b3a2c1d0e9f8a7b6c5";
  const sab = await launchDaemon({
    binary: BINARY,
    release: opts.release,
    version: [["--version"], /sabnzbdplus-(\S+)/],
    name: "sabnzbd",
    setup({ dir, guest, ports: [port] }) {
      const ini = path.join(dir, "sabnzbd.ini");
      fs.writeFileSync(
        ini,
        [
          "__version__ = 19",
          "__encoding__ = utf-8",
          "[misc]",
          "host = 127.0.0.1",
          `port = ${port}`,
          `api_key = ${apiKey}`,
          `nzb_key = ${nzbKey}`,
          "check_new_rel = 0",
          "auto_browser = 0",
          "enable_https = 0",
          `download_dir = ${guest(path.join(dir, "incomplete"))}`,
          `complete_dir = ${guest(path.join(dir, "complete"))}`,
          "",
        ].join("\n"),
      );
      return ["-f", guest(ini), "-b", "0", "--disable-file-log"];
    },
    // Ready = the queue answers to the right API key (mode=version would answer to any key).
    async ready(url) {
      const res = await fetch(`${url}/api?mode=queue&output=json&limit=1&apikey=${apiKey}`);
      const body = (await res.json().catch(() => undefined)) as { queue?: { version?: unknown } } | undefined;
      return res.status === 200 && typeof body?.queue?.version === "string";
    },
    timeoutMs: 45_000,
    stopGraceMs: 15_000,
  });
  return { ...sab, credentials: { apiKey, nzbKey }, configDir: sab.dir };
}
