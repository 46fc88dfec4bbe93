import fs from "node:fs";

/**
 * File modes of what Patchbay keeps on disk: the data directory 0700, the SQLite database with its -wal and
 * -shm files 0600 (the key file and exports are written 0600 where they are created). Files and directories
 * that already exist with looser modes are tightened; the caller logs what was changed, once, at start.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

function tighten(file: string, mode: number, changed: string[]): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return; // not there (yet)
  }
  if ((stat.mode & 0o777 & ~mode) !== 0) {
    fs.chmodSync(file, mode);
    changed.push(file);
  }
}

/** Creates the directory 0700 (parents as needed) or tightens an existing one. Returns the paths it tightened. */
export function ensurePrivateDir(dir: string): string[] {
  const changed: string[] = [];
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  tighten(dir, DIR_MODE, changed);
  return changed;
}

/**
 * Makes the SQLite file exist with 0600 before SQLite opens it — SQLite gives its -wal and -shm files the
 * mode of the database file — and tightens all three when they exist. Returns the paths it tightened.
 */
export function ensurePrivateSqliteFiles(dbFile: string): string[] {
  const changed: string[] = [];
  fs.closeSync(fs.openSync(dbFile, "a", FILE_MODE));
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`]) tighten(f, FILE_MODE, changed);
  return changed;
}
