import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Config } from "../../src/config.js";
import { freshDatabase } from "../helpers/database.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { ROOT } from "../helpers/process.js";
import { afterAll, vi } from "vitest";

// Every CLI suite imports this file. Their tests run several `patchbay` processes each (≈ 1.7 s of CPU
// apiece); on a loaded 2-core CI machine one takes 10 s or more, so the suite-wide 30 s would fail them.
vi.setConfig({ testTimeout: 90_000 });

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment variables of the operator's shell that must not leak into a test's CLI run. */
const CONFIG_VARS = /^(PATCHBAY_|SECRET_ENCRYPTION_|DATABASE_URL$|HOST$|PORT$|REDIS_URL$)/;

/** The `patchbay` bin (package.json "bin") as a child process, with the given configuration and stdin. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): Promise<CliResult> {
  return spawnCli(args, env, stdin).result;
}

/** runCli with the child process at hand (its pid), for tests that act while the command runs. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_VARS.test(k)));
  const child = spawn(process.execPath, [path.join(ROOT, "bin/patchbay.mjs"), ...args], {
    cwd: ROOT,
    env: { ...clean, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(stdin ?? "");
  const result = new Promise<CliResult>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  return { child, result };
}

/** The CLI environment that points at the same instance as a test server (data dir, database, key). */
export function envOf(config: Config): Record<string, string | undefined> {
  return {
    PATCHBAY_DATA_DIR: config.dataDir,
    DATABASE_URL: config.databaseUrl,
    SECRET_ENCRYPTION_KEY: config.encryptionKeyHex,
    SECRET_ENCRYPTION_PREVIOUS_KEYS: config.previousKeysHex.length ? config.previousKeysHex.join(",") : undefined,
  };
}

/**
 * One instance (data dir + database) that outlives its servers: start, stop, start again with other
 * settings (a new key, a provisioning file), as an operator would.
 */
export async function persistentInstance() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-cli-"));
  const database = await freshDatabase();
  const servers: TestServer[] = [];
  return {
    dataDir,
    databaseUrl: database.url,
    env(extra: Record<string, string | undefined> = {}) {
      return { PATCHBAY_DATA_DIR: dataDir, DATABASE_URL: database.url, ...extra };
    },
    async start(overrides: Partial<Config> = {}) {
      const s = await startPatchbay({ dataDir, databaseUrl: database.url, ...overrides });
      servers.push(s);
      return s;
    },
    async stop(s: TestServer) {
      servers.splice(servers.indexOf(s), 1);
      await s.close();
    },
    async dispose() {
      await Promise.all(servers.map((s) => s.close()));
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const tempDirs: string[] = [];
// Temp files live until the importing test file ends; removed then so runs do not pile up in /tmp (a
// worker's "exit" event does not fire when vitest ends a forked worker, so it cannot be the hook).
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tempFile(name: string, content: string, mode = 0o600): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-cli-file-"));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode });
  return file;
}
