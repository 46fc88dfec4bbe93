import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { availability, launchDaemon, type RealDaemon } from "../testing/launch.js";
import type { DaemonRelease } from "../testing/release.js";

/**
 * The real qBittorrent (Debian's qbittorrent-nox 4.5.2) on 127.0.0.1 with a fresh profile, fixed Web UI
 * credentials and the IP ban after failed logins disabled (docs/kinds.md, "Which real servers run locally").
 */
const BINARY = "qbittorrent-nox";

export interface RealQbittorrent extends RealDaemon {
  username: string;
  password: string;
  profileDir: string;
}

export const available = availability([BINARY], ["qbittorrent-nox"], "qBittorrent");

/** `@ByteArray(<salt b64>:<key b64>)`, key = PBKDF2-HMAC-SHA512(password, 16-byte salt, 100000, 64). */
export function qbPasswordHash(password: string): string {
  const salt = crypto.randomBytes(16);
  const key = crypto.pbkdf2Sync(password, salt, 100_000, 64, "sha512");
  return `@ByteArray(${salt.toString("base64")}:${key.toString("base64")})`;
}

export interface StartOptions {
  username?: string;
  password?: string;
  /** Which Debian release's qbittorrent-nox runs (default: this machine's Debian 12; src/kinds/testing/release.ts). */
  release?: DaemonRelease;
}

export async function startQbittorrent(opts: StartOptions = {}): Promise<RealQbittorrent> {
  const username = opts.username ?? "admin";
  const password = opts.password ?? "qb-Secret-pw-7f3a";
  const qb = await launchDaemon({
    binary: BINARY,
    release: opts.release,
    version: [["--version"], /qBittorrent v(\d+\.\d+(?:\.\d+)?)/],
    name: "qbittorrent",
    ports: 2,
    setup({ dir, guest, ports: [webPort, peerPort] }) {
      const confDir = path.join(dir, "qBittorrent", "config");
      fs.mkdirSync(confDir, { recursive: true });
      fs.writeFileSync(
        path.join(confDir, "qBittorrent.conf"),
        [
          "[LegalNotice]",
          "Accepted=true",
          "",
          "[BitTorrent]",
          "Session\\Interface=lo",
          "Session\\InterfaceName=lo",
          `Session\\Port=${peerPort}`,
          "Session\\DHTEnabled=false",
          "Session\\PeXEnabled=false",
          "Session\\LSDEnabled=false",
          "",
          "[Network]",
          "PortForwardingEnabled=false",
          "",
          "[Preferences]",
          "General\\UseRandomPort=false",
          "Connection\\UPnP=false",
          "WebUI\\Address=127.0.0.1",
          `WebUI\\Port=${webPort}`,
          `WebUI\\Username=${username}`,
          `WebUI\\Password_PBKDF2="${qbPasswordHash(password)}"`,
          "WebUI\\MaxAuthenticationFailCount=0",
          "WebUI\\UseUPnP=false",
          "WebUI\\LocalHostAuth=true",
          "",
        ].join("\n"),
      );
      return [`--profile=${guest(dir)}`];
    },
    // Ready = a correct-credential login succeeds (failed logins are what count toward qBittorrent's ban).
    async ready(url) {
      const res = await fetch(`${url}/api/v2/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", referer: `${url}/` },
        body: new URLSearchParams({ username, password }).toString(),
      });
      // 200 "Ok." up to 5.1, 204 from 5.2 (src/webui/api/authcontroller.cpp).
      const body = (await res.text()).trim();
      return (res.status === 200 && body === "Ok.") || res.status === 204;
    },
    timeoutMs: 20_000,
  });
  return { ...qb, username, password, profileDir: qb.dir };
}
