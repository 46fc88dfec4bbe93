import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");

import { freePort, waitHealthy as waitHealthyAt } from "../../src/testing/net.js";

export { freePort };

export interface RunningProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Runs `npm start` (the README's start command) as a real process group on a free loopback port. */
export async function npmStart(env: Record<string, string>): Promise<RunningProcess> {
  const port = await freePort();
  let out = "";
  const child = spawn("npm", ["start", "--silent"], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "info", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null) return;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    },
  };
}

/** Polls until /api/health answers 200; returns the milliseconds it took. */
export function waitHealthy(p: RunningProcess, timeoutMs = 30_000): Promise<number> {
  return waitHealthyAt(p.url, {
    timeoutMs,
    gone: () => (p.child.exitCode !== null ? `process exited with ${p.child.exitCode}:\n${p.output()}` : undefined),
    describe: p.output,
  });
}
