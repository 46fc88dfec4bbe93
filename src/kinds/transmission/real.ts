import fs from "node:fs";
import path from "node:path";
import { checkBinaries, freePort, waitUntil } from "../testing/real-daemon.js";
import { debian12, type DaemonRelease } from "../testing/release.js";

/**
 * The real Transmission (Debian's transmission-daemon 3.00) on 127.0.0.1 with a fresh config dir, RPC auth
 * on with fixed credentials, whitelist 127.0.0.1, no DHT/LPD/UPnP (docs/kinds.md, "Which real servers run locally").
 *
 * Never probe it with an unauthenticated request: each one counts as a failed login.
 */
const BINARY = "transmission-daemon";

export interface RealTransmission {
  url: string;
  port: number;
  username: string;
  password: string;
  /** e.g. "3.00", read from `transmission-daemon -V`. */
  version: string;
  pid: number;
  configDir: string;
  stop(): Promise<void>;
}

let ok: boolean | undefined;
export function available(): boolean {
  ok ??= checkBinaries([BINARY], ["transmission-daemon"], "Transmission");
  return ok;
}

export interface StartOptions {
  username?: string;
  password?: string;
  /** Which Debian release's transmission-daemon runs (default: this machine's Debian 12; src/kinds/testing/release.ts). */
  release?: DaemonRelease;
}

export async function startTransmission(opts: StartOptions = {}): Promise<RealTransmission> {
  const release = opts.release ?? debian12;
  const missing = release.missing([BINARY]);
  if (missing) throw new Error(`${release.label}: ${missing}`);
  const username = opts.username ?? "admin";
  const password = opts.password ?? "tr-Secret-pw-91c2";
  const version = release.versionLine(BINARY, ["-V"], /transmission-daemon (\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)/);
  const configDir = release.tempDir("transmission");
  const guestDir = release.guestPath(configDir);
  const rpcPort = await freePort();
  const peerPort = await freePort();
  const downloads = path.join(configDir, "dl");
  fs.mkdirSync(downloads);
  // prettier-ignore
  const args = [
    "-f", "-g", guestDir,
    "-p", String(rpcPort), "-r", "127.0.0.1", "-a", "127.0.0.1",
    "-t", "-u", username, "-v", password,
    "-O", "-Y", "-M", // no DHT, no LPD, no port mapping
    "-i", "127.0.0.1", "-P", String(peerPort),
    "-w", release.guestPath(downloads),
    "--log-error",
  ];
  const daemon = release.start(BINARY, args, { env: { HOME: guestDir } });
  const url = `http://127.0.0.1:${rpcPort}`;
  const basic = "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
  try {
    // A correct-credential RPC call: 409 (session id dance) or 200 both mean "up and accepting our login".
    await waitUntil(
      async () => {
        const res = await fetch(`${url}/transmission/rpc`, {
          method: "POST",
          headers: { authorization: basic, "content-type": "application/json" },
          body: JSON.stringify({ method: "session-get" }),
        });
        await res.arrayBuffer();
        return res.status === 409 || res.status === 200;
      },
      daemon,
      20_000,
      "transmission-daemon RPC",
    );
  } catch (e) {
    await daemon.stop();
    fs.rmSync(configDir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    port: rpcPort,
    username,
    password,
    version,
    pid: daemon.pid,
    configDir,
    async stop() {
      await daemon.stop(10_000);
      fs.rmSync(configDir, { recursive: true, force: true });
    },
  };
}
