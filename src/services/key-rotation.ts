import fs from "node:fs";
import path from "node:path";
import { DecryptError, Keyring, keyFromHex, secretAad, type Key } from "../crypto/keyring.js";
import type { Db } from "../db/index.js";
import { OperatorError } from "./errors.js";
import { operatorActor } from "./audit.js";
import type { Actor } from "./deps.js";
import { rotateSecrets, verifyKeyring } from "./secrets.js";
import { unreadableTargets } from "./notifications.js";

/**
 * `patchbay secrets rotate-key`: every secret re-encrypted under a new key, proven by opening every one of
 * them with the new key alone, and only then (when Patchbay generated the key into its data dir) the key
 * file replaced, atomically.
 *
 * What a crash leaves behind, step by step (the instance must stay startable):
 *  1. before any secret is touched, the new key is written next to the key file as `secret.key.new`;
 *  2. secrets are re-encrypted row by row (compare-and-set, resumable: a re-run only touches what is left);
 *     a crash here leaves secrets under both keys. The server then starts with the old key plus
 *     `SECRET_ENCRYPTION_PREVIOUS_KEYS=<the new key>` (it is in `secret.key.new`), and it says so if that
 *     is missing; re-running the same command finishes the job;
 *  3. verification with the new key alone; a failure stops here, the key file is untouched;
 *  4. the key file is replaced by rename (never half-written), then `secret.key.new` is removed. A crash
 *     between the two leaves a consistent instance and a re-run only cleans up.
 */
export interface RotationPlan {
  db: Db;
  /** The keys that open today's secrets: the configured key and SECRET_ENCRYPTION_PREVIOUS_KEYS. */
  oldKeys: Key[];
  newKey: Key;
  /** The generated key file in the data dir, replaced after verification; undefined when the key comes from the environment. */
  keyFile?: string;
  progress?: (message: string) => void;
  /** Who rotates (the audit log's actor): the CLI's operator unless said otherwise. */
  actor?: Actor;
}

export interface RotationReport {
  newKeyId: string;
  total: number;
  reencrypted: number;
  keyFileReplaced: boolean;
}

/** `started`: whether secrets may already be under the new key (then the recovery advice applies). */
export class RotationError extends OperatorError {
  constructor(
    message: string,
    readonly started: boolean,
  ) {
    super(message);
  }
}

export const pendingKeyFile = (keyFile: string) => `${keyFile}.new`;

/** Writes a file so that readers see either the old or the new content, never a torn one (0600). */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w", mode);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  try {
    const dir = fs.openSync(path.dirname(file), "r");
    fs.fsyncSync(dir);
    fs.closeSync(dir);
  } catch {
    /* directories cannot be fsynced on every platform */
  }
}

function readKeyFile(file: string): Key | undefined {
  if (!fs.existsSync(file)) return undefined;
  return keyFromHex(fs.readFileSync(file, "utf8"), `The key file ${file}`);
}

/** Opens every stored secret with the keyring; returns the rows that do not open (never their values). */
export async function unreadableSecrets(db: Db, keyring: Keyring): Promise<{ integrationId: string; kind: string; reason: string }[]> {
  const rows = await db.selectFrom("integrationSecrets").select(["integrationId", "kind", "value"]).execute();
  const bad: { integrationId: string; kind: string; reason: string }[] = [];
  for (const r of rows) {
    try {
      keyring.open(r.value, secretAad(r.integrationId, r.kind));
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      bad.push({ integrationId: r.integrationId, kind: r.kind, reason: e.message });
    }
  }
  // Notification targets (src/services/notifications.ts): reported under a pseudo-kind.
  for (const t of await unreadableTargets(db, keyring)) bad.push({ integrationId: `notification target ${t.targetId}`, kind: "url/secret", reason: t.reason });
  return bad;
}

function describe(bad: { integrationId: string; kind: string; reason: string }[]): string {
  return bad
    .slice(0, 20)
    .map((b) => `  integration ${b.integrationId}, secret ${b.kind}: ${b.reason}`)
    .join("\n") + (bad.length > 20 ? `\n  … and ${bad.length - 20} more` : "");
}

export async function rotateKey(plan: RotationPlan): Promise<RotationReport> {
  const say = plan.progress ?? (() => undefined);
  const { db, newKey } = plan;
  const older = plan.oldKeys.filter((k, i, all) => k.id !== newKey.id && all.findIndex((o) => o.id === k.id) === i);
  const both = new Keyring(newKey, older);

  // Nothing is written unless every secret opens now: a value no key can open would block the end.
  const before = await unreadableSecrets(db, both);
  if (before.length) {
    throw new RotationError(
      `${before.length} stored secret(s) open with none of the configured keys, so the rotation cannot finish; nothing was changed:\n${describe(before)}\n` +
        "Configure the missing key in SECRET_ENCRYPTION_PREVIOUS_KEYS, or re-enter those secrets, then run this again.",
      false,
    );
  }
  const total = (await db.selectFrom("integrationSecrets").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n;

  let fileKey: Key | undefined;
  if (plan.keyFile) {
    const pendingFile = pendingKeyFile(plan.keyFile);
    const pending = readKeyFile(pendingFile);
    if (pending && pending.id !== newKey.id) {
      throw new RotationError(
        `An unfinished rotation to another key (id ${pending.id}) is recorded in ${pendingFile}. Finish it first with:\n` +
          `  patchbay secrets rotate-key --new-key-file ${pendingFile}`,
        false,
      );
    }
    fileKey = readKeyFile(plan.keyFile);
    if (fileKey?.id !== newKey.id && !pending) {
      // Step 1: the new key is on disk before the first secret depends on it.
      writeFileAtomic(pendingFile, newKey.bytes.toString("hex") + "\n");
      say(`saved the new key to ${pendingFile} until the rotation is complete`);
    }
  }

  // Step 2: re-encrypt (resumable, compare-and-set per row).
  const { reencrypted } = await rotateSecrets(db, both, undefined, plan.actor ?? operatorActor("operator", "cli"));
  say(`re-encrypted ${reencrypted} secret(s) under key ${newKey.id}`);

  // Step 3: every secret and the key marker must open with the new key alone.
  const only = new Keyring(newKey);
  const after = await unreadableSecrets(db, only);
  if (after.length) {
    throw new RotationError(`verification failed: ${after.length} secret(s) do not open with the new key:\n${describe(after)}\nThe key file was not changed; run this command again.`, true);
  }
  await verifyKeyring(db, only);
  say(`verified: all ${Number(total)} secret(s) open with the new key alone`);

  // Step 4: only now does the data-dir key file change, by rename.
  let keyFileReplaced = false;
  if (plan.keyFile) {
    if (fileKey?.id !== newKey.id) {
      writeFileAtomic(plan.keyFile, newKey.bytes.toString("hex") + "\n");
      keyFileReplaced = true;
    }
    fs.rmSync(pendingKeyFile(plan.keyFile), { force: true });
  }
  return { newKeyId: newKey.id, total: Number(total), reencrypted, keyFileReplaced };
}
