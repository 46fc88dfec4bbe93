import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../src/testing/net.js";

import { ADMIN } from "./dataset.js";
import { rssMb, SERVER_COMMAND, treeRssMb, waitHealthy, ensureServerBuilt } from "./http.js";
import { now, round, sleep } from "./stats.js";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface StartRun {
  ms: number;
}

export interface ProcessFigures {
  coldStart: {
    npmStart: { emptyDirMs: number; restartsMs: number[]; medianMs: number };
    nodeDirect: { restartsMs: number[]; medianMs: number };
  };
  idleRss: { serverMb: number; treeMb: number; note: string };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Spawns a command as its own process group, times spawn → first 200 from /api/health, optionally waits
 * and samples RSS, then stops the whole group.
 */
async function timedStart(
  command: string,
  args: string[],
  dataDir: string,
  afterHealthy?: (pid: number) => Promise<void>,
  env: Record<string, string> = {},
): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(dataDir, "start.log"), "a");
  const s = now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), PATCHBAY_DATA_DIR: dataDir, LOG_LEVEL: "info", ...env },
    detached: true,
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    await waitHealthy(url, child, 60_000, 5);
    const ms = now() - s;
    if (afterHealthy) await afterHealthy(child.pid!);
    return ms;
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(5000)]);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

export async function processFigures(): Promise<ProcessFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-bench-start-"));
  const env = { PATCHBAY_ADMIN_USERNAME: ADMIN.username, PATCHBAY_ADMIN_PASSWORD: ADMIN.password };
  try {
    // npm start's prestart rebuilds the web UI only when its sources changed; make sure it is up to date, so
    // the timed starts measure a start and not a UI build.
    spawnSync(process.execPath, ["scripts/build-web.mjs"], { cwd: ROOT, stdio: "ignore" });
    ensureServerBuilt();

    const emptyDirMs = await timedStart("npm", ["start", "--silent"], dataDir, undefined, env);
    const npmRestarts: number[] = [];
    for (let i = 0; i < 3; i++) npmRestarts.push(round(await timedStart("npm", ["start", "--silent"], dataDir, undefined, env), 0));
    const directRestarts: number[] = [];
    let serverMb = NaN;
    let treeMb = NaN;
    for (let i = 0; i < 3; i++) {
      const ms = await timedStart(
        process.execPath,
        SERVER_COMMAND,
        dataDir,
        i === 2
          ? async (pid) => {
              await sleep(3000); // idle: start-up garbage has a chance to be collected
              serverMb = rssMb(pid);
              treeMb = treeRssMb(pid);
            }
          : undefined,
        env,
      );
      directRestarts.push(round(ms, 0));
    }
    return {
      coldStart: {
        npmStart: { emptyDirMs: round(emptyDirMs, 0), restartsMs: npmRestarts, medianMs: median(npmRestarts) },
        nodeDirect: { restartsMs: directRestarts, medianMs: median(directRestarts) },
      },
      idleRss: { serverMb: round(serverMb, 1), treeMb: round(treeMb, 1), note: `${SERVER_COMMAND.join(" ")}, 3 s after the first 200` },
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
