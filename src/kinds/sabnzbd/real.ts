import fs from "node:fs";
import path from "node:path";
import { findBinary, freePort, startDaemon, tempDir, versionLine, waitUntil, type Daemon } from "../testing/real-daemon.js";

/**
 * The real SABnzbd (Debian's sabnzbdplus 3.7.1, from "contrib"; needs unrar from "non-free") on 127.0.0.1
 * with a fresh config dir, a fixed API key and NZB key, no update check, no browser (docs/kinds.md, "Which real servers run locally").
 * Install it with scripts/install-sabnzbd.sh (it is not in Debian "main").
 */
const BINARY = "sabnzbdplus";

export interface RealSabnzbd {
  url: string;
  port: number;
  credentials: { apiKey: string; nzbKey: string };
  /** e.g. "3.7.1", read from `sabnzbdplus --version`. */
  version: string;
  pid: number;
  configDir: string;
  stop(): Promise<void>;
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

export async function startSabnzbd(opts: { apiKey?: string; nzbKey?: string; binary?: string } = {}): Promise<RealSabnzbd> {
  // `binary`: the sabnzbdplus to run (default: Debian's on PATH), so another release can be plugged in.
  const binary = opts.binary ?? findBinary(BINARY);
  if (!binary) throw new Error(`${BINARY} is not installed (scripts/install-sabnzbd.sh)`);
  const apiKey = opts.apiKey ?? "5ab1e5ec7e7a41c6b0d2f3a4c5e6f7a8";
  const nzbKey = opts.nzbKey ?? "0b5d1c9e8f7a46b3a2c1d0e9f8a7b6c5";
  const version = versionLine(binary, ["--version"], /sabnzbdplus-(\S+)/);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const configDir = tempDir("sabnzbd");
    const port = await freePort();
    const ini = path.join(configDir, "sabnzbd.ini");
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
        `download_dir = ${path.join(configDir, "incomplete")}`,
        `complete_dir = ${path.join(configDir, "complete")}`,
        "",
      ].join("\n"),
    );
    const daemon: Daemon = startDaemon(binary, ["-f", ini, "-b", "0", "--disable-file-log"], { env: { HOME: configDir } });
    const url = `http://127.0.0.1:${port}`;
    try {
      // Ready = the queue answers to the right API key (mode=version would answer to any key).
      await waitUntil(
        async () => {
          const res = await fetch(`${url}/api?mode=queue&output=json&limit=1&apikey=${apiKey}`);
          const body = (await res.json().catch(() => undefined)) as { queue?: { version?: unknown } } | undefined;
          return res.status === 200 && typeof body?.queue?.version === "string";
        },
        daemon,
        45_000,
        "sabnzbdplus API",
      );
    } catch (e) {
      lastError = e;
      await daemon.stop();
      fs.rmSync(configDir, { recursive: true, force: true });
      continue;
    }
    return {
      url,
      port,
      credentials: { apiKey, nzbKey },
      version,
      pid: daemon.pid,
      configDir,
      async stop() {
        await daemon.stop(15_000);
        fs.rmSync(configDir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}
