import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Secrets at rest (docs/api.md, "Secrets at rest"): AES-256-GCM, a random 96-bit IV per value, the GCM tag, the key id in the
 * stored value, and associated data that binds a ciphertext to its row, so a value copied to another
 * integration or secret kind fails to open.
 * Stored form: "v1.<keyId>.<iv>.<ciphertext>.<tag>" (base64url parts).
 */
export class KeyError extends Error {}
export class DecryptError extends Error {}

/**
 * The one AES-256-GCM of Patchbay (secrets at rest here, export files in services/transfer.ts): a random
 * 96-bit IV per value and associated data that binds the ciphertext to where it belongs. Returns the IV,
 * ciphertext and tag as base64url; each caller frames them in its own stored form.
 */
export function gcmSeal(key: Buffer, plaintext: string, aad: string): [iv: string, ciphertext: string, tag: string] {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [iv.toString("base64url"), ct.toString("base64url"), cipher.getAuthTag().toString("base64url")];
}

/** Opens what gcmSeal sealed; a wrong key, wrong associated data or any altered byte throws DecryptError(failure). */
export function gcmOpen(key: Buffer, parts: readonly [iv: string, ciphertext: string, tag: string], aad: string, failure: string): string {
  const [iv, ct, tag] = parts;
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptError(failure);
  }
}

export interface Key {
  id: string;
  bytes: Buffer;
}

export function keyFromHex(hex: string, origin: string): Key {
  const clean = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) {
    throw new KeyError(`${origin} must be 64 hexadecimal characters (a 256-bit key); generate one with: openssl rand -hex 32`);
  }
  const bytes = Buffer.from(clean, "hex");
  // The id is derived from the key, so a different key can never pose as a known one.
  const id = crypto.createHash("sha256").update("patchbay-key-id").update(bytes).digest("hex").slice(0, 12);
  return { id, bytes };
}

export function generateKeyHex(): string {
  return crypto.randomBytes(32).toString("hex");
}

export class Keyring {
  readonly current: Key;
  private readonly byId = new Map<string, Key>();

  constructor(current: Key, older: Key[] = []) {
    this.current = current;
    for (const k of [current, ...older]) this.byId.set(k.id, k);
  }

  has(keyId: string): boolean {
    return this.byId.has(keyId);
  }

  seal(plaintext: string, aad: string): string {
    return ["v1", this.current.id, ...gcmSeal(this.current.bytes, plaintext, aad)].join(".");
  }

  open(stored: string, aad: string): string {
    const parts = stored.split(".");
    if (parts.length !== 5 || parts[0] !== "v1") throw new DecryptError("stored secret has an unknown format");
    const [, keyId, iv, ct, tag] = parts as [string, string, string, string, string];
    const key = this.byId.get(keyId);
    if (!key) throw new DecryptError(`stored secret was encrypted with key ${keyId}, which is not configured`);
    return gcmOpen(key.bytes, [iv, ct, tag], aad, "stored secret failed authentication (wrong key, or the value belongs to another row)");
  }

  /** Key id of a stored value, without decrypting it. */
  static keyIdOf(stored: string): string | undefined {
    const parts = stored.split(".");
    return parts.length === 5 ? parts[1] : undefined;
  }

  /** A key for signing cookies, derived so that no second secret has to be configured. */
  deriveSubkey(purpose: string): Buffer {
    return Buffer.from(crypto.hkdfSync("sha256", this.current.bytes, Buffer.alloc(0), purpose, 32));
  }
}

export const secretAad = (integrationId: string, kind: string) => `integration-secret:${integrationId}:${kind}`;

/** Loads the key from env, a file, or generates one into the data dir once (mode 0600). */
export function loadKeyring(opts: {
  keyHex?: string;
  keyFile?: string;
  dataDir: string;
  previousKeysHex?: string[];
}): { keyring: Keyring; generatedAt?: string; pendingRotation?: string } {
  let current: Key;
  let generatedAt: string | undefined;
  let pendingRotation: string | undefined;
  const extra: Key[] = [];
  if (opts.keyHex) {
    current = keyFromHex(opts.keyHex, "SECRET_ENCRYPTION_KEY");
  } else if (opts.keyFile) {
    let text: string;
    try {
      text = fs.readFileSync(opts.keyFile, "utf8");
    } catch (e) {
      throw new KeyError(`SECRET_ENCRYPTION_KEY_FILE ${opts.keyFile} cannot be read: ${(e as Error).message}`);
    }
    current = keyFromHex(text, `The key file ${opts.keyFile}`);
  } else {
    const file = path.join(opts.dataDir, "secret.key");
    // A key rotation that died midway leaves its new key here (`patchbay secrets rotate-key`): keep it
    // readable, so the instance still starts with every secret; running the rotation again finishes it.
    const pending = path.join(opts.dataDir, "secret.key.new");
    if (fs.existsSync(file) && fs.existsSync(pending)) {
      extra.push(keyFromHex(fs.readFileSync(pending, "utf8"), `The pending key file ${pending}`));
      pendingRotation = pending;
    }
    if (fs.existsSync(file)) {
      current = keyFromHex(fs.readFileSync(file, "utf8"), `The key file ${file}`);
    } else {
      fs.mkdirSync(opts.dataDir, { recursive: true });
      const hex = generateKeyHex();
      fs.writeFileSync(file, hex + "\n", { mode: 0o600, flag: "wx" });
      current = keyFromHex(hex, file);
      generatedAt = file;
    }
  }
  const older = (opts.previousKeysHex ?? []).map((h, i) => keyFromHex(h, `SECRET_ENCRYPTION_PREVIOUS_KEYS[${i}]`));
  return { keyring: new Keyring(current, [...older, ...extra]), generatedAt, pendingRotation };
}
