import { DEBIAN13_ROOT, debian13, releaseAvailable } from "../testing/release.js";
import fs from "node:fs";
import path from "node:path";
import { checkBinaries, findBinary, freePort, startDaemon, tempDir, versionLine, waitForPort, type Daemon } from "../testing/real-daemon.js";

/**
 * The real Radicale (Debian's radicale 3.1.8, a CalDAV server) on 127.0.0.1 with a fresh collection folder
 * and one htpasswd user (docs/kinds.md, "Which real servers run locally"). It serves each calendar collection as one iCalendar document on
 * GET, which is what an "iCal feed URL" is. The harness creates one calendar with one VEVENT and returns its
 * feed URL, with the credentials as userinfo (the form users paste: https://user:pass@host/user/calendar/).
 */
const BINARY = "radicale";

export interface RealRadicale {
  /** The server's web address (what an integration's `url` holds). */
  url: string;
  port: number;
  credentials: { username: string; password: string };
  /** Feed URL of the calendar holding one event, credentials embedded as userinfo. */
  feedUrl: string;
  /** Path of that calendar, e.g. "/admin/cal-1a2b3c/". */
  calendarPath: string;
  /** UID and SUMMARY of the event in it. */
  event: { uid: string; summary: string };
  /** e.g. "3.1.8", read from `radicale --version`. */
  version: string;
  pid: number;
  dir: string;
  /** Creates another calendar (MKCALENDAR) with the given VEVENT summaries (none = empty calendar); returns its feed URL. */
  createCalendar(name: string, summaries?: string[]): Promise<string>;
  /** Creates a calendar and PUTs each given iCalendar object (a whole VCALENDAR text) as its own resource; returns its feed URL. */
  createCalendarWith(name: string, objects: string[]): Promise<string>;
  stop(): Promise<void>;
}

let ok: boolean | undefined;
export function available(): boolean {
  ok ??= checkBinaries([BINARY], ["radicale"], "Radicale (iCal feed)");
  return ok;
}

/**
 * A Debian 13 (trixie) root file system with radicale installed (issue #11: real servers of two releases),
 * made by scripts/debian13-root.sh (src/kinds/testing/release.ts); its Radicale (3.5) runs in a chroot
 * on the host network. Without it the Debian 13 release is
 * reported unavailable, loudly, and the Debian 12 one still runs.
 */
export const debian13Root = DEBIAN13_ROOT;
let available13: boolean | undefined;
export function debian13Available(): boolean {
  // Loud skip, or a failure in CI (PATCHBAY_REQUIRE_REAL_SERVERS=1), when scripts/debian13-root.sh has not run.
  available13 ??= releaseAvailable(debian13, ["radicale"], "Radicale");
  return available13;
}

export async function startRadicale(opts: { username?: string; password?: string; /** a Debian root to run Radicale from, in a chroot */ root?: string } = {}): Promise<RealRadicale> {
  const root = opts.root;
  // In a chroot, the daemon sees paths below `root`; the harness writes them from outside.
  const binary = root ? findBinary("chroot") : findBinary(BINARY);
  if (!binary) throw new Error(`${root ? "chroot" : BINARY} is not installed (apt-get install -y --no-install-recommends radicale)`);
  const argv = (args: string[]) => (root ? [root, "/usr/bin/radicale", ...args] : args);
  const inside = (p: string) => (root ? p.slice(root.length) : p);
  const username = opts.username ?? "admin";
  const password = opts.password ?? "cal-Secret-pw-77d3";
  const version = versionLine(binary, argv(["--version"]), /^(\d+\.\d+(?:\.\d+)?)/m);
  const basic = "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = root ? fs.mkdtempSync(path.join(root, "tmp", "patchbay-radicale-")) : tempDir("radicale");
    const port = await freePort();
    fs.writeFileSync(path.join(dir, "users"), `${username}:${password}\n`, { mode: 0o600 });
    const config = path.join(dir, "config");
    fs.writeFileSync(
      config,
      [
        "[server]",
        `hosts = 127.0.0.1:${port}`,
        "[auth]",
        "type = htpasswd",
        `htpasswd_filename = ${inside(path.join(dir, "users"))}`,
        "htpasswd_encryption = plain",
        "[storage]",
        `filesystem_folder = ${inside(path.join(dir, "col"))}`,
        "[logging]",
        "level = warning",
        "",
      ].join("\n"),
    );
    const daemon: Daemon = startDaemon(binary, argv(["-C", inside(config)]), { cwd: dir, env: { HOME: inside(dir) } });
    const url = `http://127.0.0.1:${port}`;
    try {
      // TCP first, then the first real request (MKCALENDAR) uses the right credentials.
      await waitForPort(port, daemon, 15_000, "radicale");
    } catch (e) {
      lastError = e;
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const createCalendarWith = async (name: string, objects: string[]): Promise<string> => {
      const calPath = `/${encodeURIComponent(username)}/${encodeURIComponent(name)}/`;
      const mk = await fetch(`${url}${calPath}`, { method: "MKCALENDAR", headers: { authorization: basic } });
      await mk.arrayBuffer();
      if (mk.status !== 201) throw new Error(`radicale MKCALENDAR ${calPath}: HTTP ${mk.status}`);
      for (const [i, body] of objects.entries()) {
        // CalDAV PUT of one calendar object resource (RFC 4791 §5.3.2); Radicale answers 201 Created.
        const put = await fetch(`${url}${calPath}ev${i + 1}.ics`, {
          method: "PUT",
          headers: { authorization: basic, "content-type": "text/calendar; charset=utf-8" },
          body,
        });
        const answer = await put.text();
        if (put.status !== 201) throw new Error(`radicale PUT ${calPath}ev${i + 1}.ics: HTTP ${put.status} ${answer.slice(0, 200)}`);
      }
      return `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}${calPath}`;
    };
    const createCalendar = (name: string, summaries: string[] = []) =>
      createCalendarWith(
        name,
        summaries.map((summary, i) => vcalendar(`${name}-ev${i + 1}@patchbay.test`, summary)),
      );
    const calName = `cal-${Math.random().toString(36).slice(2, 8)}`;
    const summary = "Patchbay test event";
    let feedUrl: string;
    try {
      feedUrl = await createCalendar(calName, [summary]);
    } catch (e) {
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`${String(e)}\nOutput:\n${daemon.output()}`);
    }
    return {
      url,
      port,
      credentials: { username, password },
      feedUrl,
      calendarPath: new URL(feedUrl).pathname,
      event: { uid: `${calName}-ev1@patchbay.test`, summary },
      version,
      pid: daemon.pid,
      dir,
      createCalendar,
      createCalendarWith,
      async stop() {
        await daemon.stop(10_000);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}

function vcalendar(uid: string, summary: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const start = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replace(/-/g, "");
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Patchbay tests//EN",
    "BEGIN:VEVENT",
    `UID:${uid}`,
    `DTSTAMP:${stamp}`,
    `DTSTART;VALUE=DATE:${start}`,
    `SUMMARY:${summary}`,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}
