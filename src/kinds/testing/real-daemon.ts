import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * Plumbing shared by the real-server harnesses (qbittorrent-real.ts, transmission-real.ts, deluge-real.ts):
 * find a binary, pick free loopback ports, start a foreground daemon, wait for it, stop exactly that PID.
 */

/** Absolute path of an executable on PATH (or in /usr/sbin, /usr/bin), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/bin", "/usr/sbin", "/usr/local/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Which of the binaries are missing; prints one loud warning naming them and the apt package to install. */
export function checkBinaries(binaries: string[], aptPackages: string[], label: string): boolean {
  const missing = binaries.filter((b) => !findBinary(b));
  if (missing.length === 0) return true;
  // CI installs every server; there a missing binary is a failure, never a quiet skip.
  if (process.env.PATCHBAY_REQUIRE_REAL_SERVERS === "1") {
    throw new Error(`${label}: ${missing.join(", ")} not installed but PATCHBAY_REQUIRE_REAL_SERVERS=1 (apt-get install ${aptPackages.join(" ")})`);
  }
  console.warn(
    `\n*** SKIPPED: ${label} real-server tests: ${missing.join(", ")} not installed ` +
      `(apt-get install -y --no-install-recommends ${aptPackages.join(" ")}) ***\n`,
  );
  return false;
}

/** First line of `<binary> <flag>` (stdout or stderr), e.g. "qBittorrent v4.5.2". */
export function versionLine(binary: string, args: string[], match: RegExp): string {
  const r = spawnSync(binary, args, { encoding: "utf8", timeout: 15_000 });
  const text = `${r.stdout ?? ""}\n${r.stderr ?? ""}`;
  const m = text.match(match);
  if (!m?.[1]) throw new Error(`cannot read the version of ${binary} from: ${text.slice(0, 300)}`);
  return m[1];
}

export { closedPort, freePort } from "../../testing/net.js";

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `patchbay-${prefix}-`));
}

export interface Daemon {
  pid: number;
  child: ChildProcess;
  /** Captured stdout+stderr (bounded), for error messages. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM that PID, wait for it to exit; SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export function startDaemon(binary: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Daemon {
  const child = spawn(binary, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const collect = (b: Buffer) => {
    out = (out + b.toString("utf8")).slice(-8_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  // spawn errors (ENOENT) surface as an exit.
  child.once("error", (e) => {
    collect(Buffer.from(String(e)));
  });
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  const pid = child.pid;
  return {
    pid,
    child,
    output: () => out,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once a TCP connect to 127.0.0.1:port succeeds (no HTTP request, so no side effects on auth counters). */
export async function waitForPort(port: number, daemon: Daemon, timeoutMs: number, what: string): Promise<void> {
  await waitUntil(() => canConnect(port), daemon, timeoutMs, `${what} on port ${port}`);
}

export async function waitUntil(probe: () => Promise<boolean>, daemon: Daemon, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void daemon.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${what}: the process exited early. Output:\n${daemon.output()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms. Output:\n${daemon.output()}`);
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
    sock.setTimeout(1_000, () => done(false));
  });
}
