import fs from "node:fs";
import { checkBinaries, findBinary, freePort, startDaemon, tempDir, versionLine, waitForPort, type Daemon } from "../testing/real-daemon.js";

/**
 * The real aria2 (Debian's aria2 1.36.0) with only its JSON-RPC interface on 127.0.0.1, a fixed RPC secret,
 * no DHT/LPD/peer exchange and no user config file (protocols.md §3). Nothing is downloaded.
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
export async function startAria2(opts: { token?: string | null; binary?: string } = {}): Promise<RealAria2> {
  // `binary`: the aria2c to run (default: Debian's on PATH), so another release can be plugged in.
  const binary = opts.binary ?? findBinary(BINARY);
  if (!binary) throw new Error(`${BINARY} is not installed (apt-get install -y --no-install-recommends aria2)`);
  const token = opts.token === null ? undefined : (opts.token ?? "aria2-Secret-tok-5b9c");
  const version = versionLine(binary, ["--version"], /aria2 version (\S+)/);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = tempDir("aria2");
    const port = await freePort();
    // prettier-ignore
    const args = [
      "--no-conf", "--enable-rpc", "--rpc-listen-all=false", `--rpc-listen-port=${port}`,
      ...(token !== undefined ? [`--rpc-secret=${token}`] : []),
      `--dir=${dir}`,
      "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
      "--check-certificate=true", "--quiet=true",
    ];
    const daemon: Daemon = startDaemon(binary, args, { cwd: dir, env: { HOME: dir } });
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
