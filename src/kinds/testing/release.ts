import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findBinary, startDaemon, tempDir, type Daemon } from "./real-daemon.js";

/**
 * Where a real daemon comes from: this machine's Debian 12 packages, or Debian 13's, installed into a root
 * file system made with debootstrap (`scripts/debian13-root.sh`) and run there with chroot(8). chroot execs the
 * daemon in place, so the PID we stop is the daemon's own; the daemon shares the host's network namespace, so
 * it listens on the host's 127.0.0.1 like the Debian 12 one. Its state directories live inside the root file
 * system (`hostPath`) and are handed to the daemon by their path inside it (`guestPath`).
 */
export interface DaemonRelease {
  /** "Debian 12" or "Debian 13"; shown in test names next to the daemon's own version. */
  label: string;
  /** The binary as this process can check it exists, or undefined. */
  find(binary: string): string | undefined;
  /** A fresh state directory; returns the path this process uses to write config files into it. */
  tempDir(prefix: string): string;
  /** The path the daemon sees for a path returned by tempDir. */
  guestPath(hostPath: string): string;
  start(binary: string, args: string[], opts?: { env?: NodeJS.ProcessEnv }): Daemon;
  /** First match of `match` in the output of `<binary> <args>` (e.g. `--version`). */
  versionLine(binary: string, args: string[], match: RegExp): string;
  /** Why this release cannot run here, or undefined when it can. */
  missing(binaries: string[]): string | undefined;
}

export const debian12: DaemonRelease = {
  label: "Debian 12",
  find: findBinary,
  tempDir,
  guestPath: (p) => p,
  start: (binary, args, opts) => startDaemon(findBinary(binary) ?? binary, args, opts),
  versionLine(binary, args, match) {
    return readVersion(findBinary(binary) ?? binary, args, match);
  },
  missing(binaries) {
    const absent = binaries.filter((b) => !findBinary(b));
    return absent.length ? `${absent.join(", ")} not installed (apt-get install -y --no-install-recommends <package>)` : undefined;
  },
};

/** The Debian 13 root made by scripts/debian13-root.sh (PATCHBAY_DEBIAN13_ROOT overrides where it is). */
export const DEBIAN13_ROOT = process.env.PATCHBAY_DEBIAN13_ROOT ?? "/var/cache/patchbay/debian13-root";

function inRoot(binary: string): string | undefined {
  for (const dir of ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]) {
    const p = path.join(DEBIAN13_ROOT, dir, binary);
    if (fs.existsSync(p)) return path.join(dir, binary);
  }
  return undefined;
}

export const debian13: DaemonRelease = {
  label: "Debian 13",
  find: (binary) => {
    const guest = inRoot(binary);
    return guest ? path.join(DEBIAN13_ROOT, guest) : undefined;
  },
  tempDir(prefix) {
    const tmp = path.join(DEBIAN13_ROOT, "tmp");
    fs.mkdirSync(tmp, { recursive: true, mode: 0o1777 });
    return fs.mkdtempSync(path.join(tmp, `patchbay-${prefix}-`));
  },
  guestPath(hostPath) {
    const rel = path.relative(DEBIAN13_ROOT, hostPath);
    if (rel.startsWith("..")) throw new Error(`${hostPath} is outside the Debian 13 root`);
    return "/" + rel;
  },
  start(binary, args, opts) {
    const guest = inRoot(binary);
    if (!guest) throw new Error(`${binary} is not installed in ${DEBIAN13_ROOT} (run scripts/debian13-root.sh)`);
    return startDaemon("chroot", [DEBIAN13_ROOT, guest, ...args], { env: { ...opts?.env, HOME: "/root", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
  },
  versionLine(binary, args, match) {
    const guest = inRoot(binary);
    if (!guest) throw new Error(`${binary} is not installed in ${DEBIAN13_ROOT}`);
    return readVersion("chroot", [DEBIAN13_ROOT, guest, ...args], match);
  },
  missing(binaries) {
    if (!fs.existsSync(DEBIAN13_ROOT)) return `no Debian 13 root at ${DEBIAN13_ROOT} (bash scripts/debian13-root.sh)`;
    const absent = binaries.filter((b) => !inRoot(b));
    return absent.length ? `${absent.join(", ")} not in the Debian 13 root ${DEBIAN13_ROOT} (bash scripts/debian13-root.sh)` : undefined;
  },
};

export const releases: readonly DaemonRelease[] = [debian12, debian13];

// Read once per process: a Python daemon's --version takes seconds on a loaded machine (and timed out at 15 s).
const versions = new Map<string, string>();
function readVersion(command: string, args: string[], match: RegExp): string {
  const key = [command, ...args, match.source].join("\0");
  const known = versions.get(key);
  if (known) return known;
  // Generous: sabnzbdplus (Python) takes 5 s for --version on a loaded 2-core machine.
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 60_000, env: { ...process.env, HOME: process.env.HOME ?? "/root" } });
  const text = `${r.stdout ?? ""}\n${r.stderr ?? ""}`;
  const m = text.match(match);
  if (!m?.[1]) throw new Error(`cannot read the version of ${command} ${args.join(" ")}${r.error ? ` (${r.error.message})` : ""} from: ${text.slice(0, 300)}`);
  versions.set(key, m[1]);
  return m[1];
}

/**
 * Whether a release's daemons can run here. Missing ones skip loudly — or fail when
 * PATCHBAY_REQUIRE_REAL_SERVERS=1 (CI provides both releases, so nothing skips there).
 */
export function releaseAvailable(release: DaemonRelease, binaries: string[], label: string): boolean {
  const why = release.missing(binaries);
  if (!why) return true;
  if (process.env.PATCHBAY_REQUIRE_REAL_SERVERS === "1") throw new Error(`${label} (${release.label}): ${why}, but PATCHBAY_REQUIRE_REAL_SERVERS=1`);
  console.warn(`\n*** SKIPPED: ${label} (${release.label}) real-server tests: ${why} ***\n`);
  return false;
}
