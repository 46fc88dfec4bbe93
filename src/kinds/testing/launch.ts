import fs from "node:fs";
import { checkBinaries, freePort, waitForPort, waitUntil, type Daemon } from "./real-daemon.js";
import { debian12, type DaemonRelease } from "./release.js";

/**
 * The one way the download clients' real-server harnesses start a daemon: check the binary in the chosen Debian
 * release, read its version, make a fresh state directory, pick free loopback ports, write the config, start the
 * daemon in the foreground, wait until it is ready, and stop exactly that PID and remove the directory again.
 * A port picked with bind(0) can be taken by someone else before the daemon binds it, so a start that does not
 * become ready is retried with new ports.
 */
export interface RealDaemon {
  /** http://127.0.0.1:<first port> */
  url: string;
  port: number;
  /** The daemon's own version, read from its command line (`--version` or alike), not from its API. */
  version: string;
  pid: number;
  stop(): Promise<void>;
}

export interface Launched extends RealDaemon {
  /** The fresh state directory, as this process sees it. */
  dir: string;
  /** Every port picked; `port` is the first. */
  ports: number[];
  daemon: Daemon;
}

export interface LaunchSpec {
  binary: string;
  /** Which Debian release's binary runs (default: this machine's Debian 12; src/kinds/testing/release.ts). */
  release?: DaemonRelease;
  /** Arguments that print the version, and the pattern whose first group is it. */
  version: [string[], RegExp];
  /** Prefix of the state directory's name. */
  name: string;
  /** How many free ports to pick (default 1); the first is the one `url` points at. */
  ports?: number;
  /** Writes the config into `dir` and returns the daemon's arguments; `guest` turns a path into the daemon's view of it. */
  setup(ctx: { dir: string; guest: (hostPath: string) => string; ports: number[]; url: string }): string[];
  /** Ready when this answers true; default: the first port accepts a TCP connection (no request, no side effect). */
  ready?(url: string): Promise<boolean>;
  timeoutMs?: number;
  /** SIGTERM grace before SIGKILL when stopping. */
  stopGraceMs?: number;
  /** Tries with fresh ports (default 3). */
  attempts?: number;
}

const versions = new Map<string, string>();

export async function launchDaemon(spec: LaunchSpec): Promise<Launched> {
  const release = spec.release ?? debian12;
  const missing = release.missing([spec.binary]);
  if (missing) throw new Error(`${release.label}: ${missing}`);
  // Read once per process: `--version` of a Python daemon takes seconds.
  const key = `${release.label}\0${spec.binary}`;
  const version = versions.get(key) ?? release.versionLine(spec.binary, ...spec.version);
  versions.set(key, version);
  const what = `${spec.binary} (${release.label})`;
  let lastError: unknown;
  for (let attempt = 0; attempt < (spec.attempts ?? 3); attempt++) {
    const dir = release.tempDir(spec.name);
    const ports: number[] = [];
    for (let i = 0; i < (spec.ports ?? 1); i++) ports.push(await freePort());
    const url = `http://127.0.0.1:${ports[0]}`;
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    let daemon: Daemon | undefined;
    try {
      const args = spec.setup({ dir, guest: (p) => release.guestPath(p), ports, url });
      daemon = release.start(spec.binary, args, { env: { HOME: release.guestPath(dir) } });
      const timeout = spec.timeoutMs ?? 15_000;
      await (spec.ready ? waitUntil(() => spec.ready!(url), daemon, timeout, what) : waitForPort(ports[0]!, daemon, timeout, what));
    } catch (e) {
      lastError = e;
      await daemon?.stop();
      remove();
      continue;
    }
    const started = daemon;
    return {
      url,
      port: ports[0]!,
      ports,
      version,
      pid: started.pid,
      dir,
      daemon: started,
      async stop() {
        await started.stop(spec.stopGraceMs ?? 10_000);
        remove();
      },
    };
  }
  throw lastError;
}

/**
 * `available()` of a harness: whether the binaries are installed, asked once; a missing one skips loudly (or
 * fails under PATCHBAY_REQUIRE_REAL_SERVERS=1, real-daemon.ts `checkBinaries`).
 */
export function availability(binaries: string[], aptPackages: string[], label: string, extra: () => boolean = () => true): () => boolean {
  let ok: boolean | undefined;
  return () => (ok ??= checkBinaries(binaries, aptPackages, label) && extra());
}
