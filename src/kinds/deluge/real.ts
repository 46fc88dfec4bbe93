import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { checkBinaries, freePort, waitForPort, waitUntil, type Daemon } from "../testing/real-daemon.js";
import { debian12, type DaemonRelease } from "../testing/release.js";

/**
 * The real Deluge 2.0.3 (Debian's deluged + deluge-web) on 127.0.0.1 with a fresh config dir, a fixed web
 * password and a host list naming the daemon (docs/kinds.md, "Which real servers run locally"). The web UI starts *not* connected to the
 * daemon, as after a fresh install; `withDaemon: false` starts only the web UI (its host list then points at
 * a port nothing listens on).
 */
const WEB = "deluge-web";
const DAEMON = "deluged";

export interface RealDeluge {
  url: string;
  port: number;
  password: string;
  /** e.g. "2.0.3", read from `deluged --version`. */
  version: string;
  /** PID of deluge-web. */
  pid: number;
  /** PID of deluged (undefined with withDaemon: false). */
  daemonPid?: number;
  hostId: string;
  configDir: string;
  stop(): Promise<void>;
}

let ok: boolean | undefined;
export function available(): boolean {
  ok ??= checkBinaries([DAEMON, WEB], ["deluged", "deluge-web"], "Deluge");
  return ok;
}

const conf = (file: number, body: unknown) => `{"file": ${file}, "format": 1}${JSON.stringify(body, null, 2)}`;

export interface StartOptions {
  password?: string;
  withDaemon?: boolean;
  /** Which Debian release's deluged/deluge-web run (default: this machine's Debian 12; src/kinds/testing/release.ts). */
  release?: DaemonRelease;
}

export async function startDeluge(opts: StartOptions = {}): Promise<RealDeluge> {
  const release = opts.release ?? debian12;
  const missing = release.missing([DAEMON, WEB]);
  if (missing) throw new Error(`${release.label}: ${missing}`);
  const withDaemon = opts.withDaemon ?? true;
  const password = opts.password ?? "dl-Secret-pw-4be1";
  const version = release.versionLine(DAEMON, ["--version"], /deluged (\d+\.\d+(?:\.\d+)?)/);
  const configDir = release.tempDir("deluge");
  const guestDir = release.guestPath(configDir);
  const webPort = await freePort();
  const daemonPort = await freePort();
  const listenPort = await freePort();
  const hostId = crypto.randomBytes(16).toString("hex");
  const salt = crypto.randomBytes(20).toString("hex");
  const localSecret = crypto.randomBytes(12).toString("hex");

  fs.writeFileSync(path.join(configDir, "auth"), `localclient:${localSecret}:10\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(configDir, "core.conf"),
    conf(1, {
      dht: false,
      upnp: false,
      natpmp: false,
      lsd: false,
      utpex: false,
      new_release_check: false,
      random_port: false,
      listen_ports: [listenPort, listenPort],
      listen_interface: "127.0.0.1",
      outgoing_interface: "lo",
      allow_remote: false,
      daemon_port: daemonPort,
    }),
  );
  fs.writeFileSync(
    path.join(configDir, "web.conf"),
    conf(2, {
      port: webPort,
      interface: "127.0.0.1",
      https: false,
      pwd_salt: salt,
      pwd_sha1: crypto.createHash("sha1").update(salt + password).digest("hex"),
      first_login: false,
    }),
  );
  fs.writeFileSync(path.join(configDir, "hostlist.conf"), conf(3, { hosts: [[hostId, "127.0.0.1", daemonPort, "localclient", localSecret]] }));

  const started: Daemon[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((d) => d.stop()));
    fs.rmSync(configDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${webPort}`;
  try {
    let daemon: Daemon | undefined;
    if (withDaemon) {
      // prettier-ignore
      const d = release.start(DAEMON, ["-d", "-c", guestDir, "-u", "127.0.0.1", "-p", String(daemonPort), "-i", "127.0.0.1", "-o", "lo", "-L", "warning", "-l", path.join(guestDir, "d.log")]);
      daemon = d;
      started.push(d);
    }
    // prettier-ignore
    const web = release.start(WEB, ["-d", "-c", guestDir, "-i", "127.0.0.1", "-p", String(webPort), "-L", "warning", "-l", path.join(guestDir, "w.log")]);
    started.push(web);
    // Web UI ready = a correct-password login succeeds; the session is deleted again right away.
    await waitUntil(
      async () => {
        const res = await fetch(`${url}/json`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ method: "auth.login", params: [password], id: 1 }),
        });
        const body = (await res.json()) as { result?: unknown };
        if (body.result !== true) return false;
        const cookie = res.headers.get("set-cookie")?.split(";")[0];
        if (cookie) {
          await fetch(`${url}/json`, {
            method: "POST",
            headers: { "content-type": "application/json", cookie },
            body: JSON.stringify({ method: "auth.delete_session", params: [], id: 2 }),
          }).then((r) => r.arrayBuffer());
        }
        return true;
      },
      web,
      30_000,
      "deluge-web",
    );
    if (daemon) await waitForPort(daemonPort, daemon, 30_000, "deluged");
    return {
      url,
      port: webPort,
      password,
      version,
      pid: web.pid,
      daemonPid: daemon?.pid,
      hostId,
      configDir,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
