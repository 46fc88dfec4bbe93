import fs from "node:fs";
import path from "node:path";
import { availability, launchDaemon, type RealDaemon } from "../testing/launch.js";
import type { DaemonRelease } from "../testing/release.js";

/**
 * The real Transmission (Debian's transmission-daemon 3.00) on 127.0.0.1 with a fresh config dir, RPC auth
 * on with fixed credentials, whitelist 127.0.0.1, no DHT/LPD/UPnP (docs/kinds.md, "Which real servers run locally").
 *
 * Never probe it with an unauthenticated request: each one counts as a failed login.
 */
const BINARY = "transmission-daemon";

export interface RealTransmission extends RealDaemon {
  username: string;
  password: string;
  configDir: string;
}

export const available = availability([BINARY], ["transmission-daemon"], "Transmission");

export interface StartOptions {
  username?: string;
  password?: string;
  /** Which Debian release's transmission-daemon runs (default: this machine's Debian 12; src/kinds/testing/release.ts). */
  release?: DaemonRelease;
}

export async function startTransmission(opts: StartOptions = {}): Promise<RealTransmission> {
  const username = opts.username ?? "admin";
  const password = opts.password ?? "tr-Secret-pw-91c2";
  const basic = "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
  const tr = await launchDaemon({
    binary: BINARY,
    release: opts.release,
    version: [["-V"], /transmission-daemon (\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)/],
    name: "transmission",
    ports: 2,
    setup({ dir, guest, ports: [rpcPort, peerPort] }) {
      const downloads = path.join(dir, "dl");
      fs.mkdirSync(downloads);
      // prettier-ignore
      return [
        "-f", "-g", guest(dir),
        "-p", String(rpcPort), "-r", "127.0.0.1", "-a", "127.0.0.1",
        "-t", "-u", username, "-v", password,
        "-O", "-Y", "-M", // no DHT, no LPD, no port mapping
        "-i", "127.0.0.1", "-P", String(peerPort),
        "-w", guest(downloads),
        "--log-error",
      ];
    },
    // A correct-credential RPC call: 409 (session id dance) or 200 both mean "up and accepting our login".
    async ready(url) {
      const res = await fetch(`${url}/transmission/rpc`, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/json" },
        body: JSON.stringify({ method: "session-get" }),
      });
      await res.arrayBuffer();
      return res.status === 409 || res.status === 200;
    },
    timeoutMs: 20_000,
  });
  return { ...tr, username, password, configDir: tr.dir };
}
