import fs from "node:fs";
import { checkBinaries, freePort, waitForPort, type Daemon } from "../testing/real-daemon.js";
import { debian12, type DaemonRelease } from "../testing/release.js";

/**
 * The real aria2 (Debian's aria2 1.36.0) with only its JSON-RPC interface on 127.0.0.1, a fixed RPC secret,
 * no DHT/LPD/peer exchange and no user config file (docs/kinds.md, "Which real servers run locally"). Nothing is downloaded.
 */
const BINARY = "aria2c";

export interface RealAria2 {
  url: string;
  port: number;
  /** The --rpc-secret; undefined when started without one. */
  credentials: { token: string | undefined };
  /** e.g. "1.36.0", read from `aria2c --version`. */
  version: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

let ok: boolean | undefined;
export function available(): boolean {
  ok ??= checkBinaries([BINARY], ["aria2"], "aria2");
  return ok;
}

/** `token: null` starts aria2 without an RPC secret (its default), where every token is accepted. */
export async function startAria2(opts: { token?: string | null; release?: DaemonRelease } = {}): Promise<RealAria2> {
  // `release`: which Debian release's aria2c runs (default: this machine's Debian 12; src/kinds/testing/release.ts).
  const release = opts.release ?? debian12;
  const missing = release.missing([BINARY]);
  if (missing) throw new Error(`${release.label}: ${missing}`);
  const token = opts.token === null ? undefined : (opts.token ?? "aria2-Secret-tok-5b9c");
  const version = release.versionLine(BINARY, ["--version"], /aria2 version (\S+)/);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = release.tempDir("aria2");
    const port = await freePort();
    // prettier-ignore
    const args = [
      "--no-conf", "--enable-rpc", "--rpc-listen-all=false", `--rpc-listen-port=${port}`,
      ...(token !== undefined ? [`--rpc-secret=${token}`] : []),
      `--dir=${release.guestPath(dir)}`,
      "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
      "--check-certificate=true", "--quiet=true",
    ];
    const daemon: Daemon = release.start(BINARY, args, { env: { HOME: release.guestPath(dir) } });
    try {
      // TCP connect only: a probe with a wrong token would be a side effect, and aria2 needs no warm-up.
      await waitForPort(port, daemon, 15_000, "aria2c RPC");
    } catch (e) {
      lastError = e;
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      credentials: { token },
      version,
      pid: daemon.pid,
      dir,
      async stop() {
        await daemon.stop(10_000);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}
