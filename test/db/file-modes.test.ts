import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createDeps } from "../../src/server/start.js";
import type { Deps } from "../../src/services/deps.js";

/** Data directory 0700, SQLite database, -wal and -shm 0600: for a new data dir and for one with looser modes. */
const mode = (p: string) => fs.statSync(p).mode & 0o777;
const roots: string[] = [];
let deps: Deps | undefined;

afterEach(async () => {
  await deps?.close();
  deps = undefined;
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

async function start(dataDir: string) {
  const logs: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
  const config = { ...loadConfig({}), dataDir, adminUsername: "admin", adminPassword: "admin-password-1", logLevel: "info" };
  deps = await createDeps(config, pino({ level: "info" }, sink));
  // A write, so that SQLite has its -wal and -shm files in use.
  await deps.db.insertInto("userGroups").values({ id: `g-${Math.random()}`, name: `modes-${Math.random()}`, createdAt: Date.now() }).execute();
  return logs;
}

describe("file modes of the data directory (SQLite)", () => {
  it("a new data directory is 0700 and the database files 0600, whatever the umask", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-modes-"));
    roots.push(root);
    const dataDir = path.join(root, "data");
    const old = process.umask(0o002); // a permissive umask: what a container or a shared host may have
    try {
      await start(dataDir);
    } finally {
      process.umask(old);
    }
    expect(mode(dataDir)).toBe(0o700);
    for (const f of ["patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "secret.key"]) expect(mode(path.join(dataDir, f)), f).toBe(0o600);
  });

  it("a data directory with looser modes is tightened, and that is logged once", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-modes-"));
    roots.push(root);
    const dataDir = path.join(root, "data");
    await start(dataDir);
    await deps!.close();
    deps = undefined;
    fs.chmodSync(dataDir, 0o755);
    for (const f of ["patchbay.db", "patchbay.db-wal", "patchbay.db-shm"]) if (fs.existsSync(path.join(dataDir, f))) fs.chmodSync(path.join(dataDir, f), 0o644);
    const logs = await start(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    for (const f of ["patchbay.db", "patchbay.db-wal", "patchbay.db-shm"]) expect(mode(path.join(dataDir, f)), f).toBe(0o600);
    const warnings = logs.filter((l) => l.includes("tightened file modes"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(dataDir);
  });
});
