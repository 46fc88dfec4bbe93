import crypto from "node:crypto";

/** Random identifiers for rows: URL-safe, 128 bits. */
export const newId = () => crypto.randomBytes(16).toString("base64url");

/** High-entropy bearer tokens (sessions, API keys): stored only as SHA-256, which suffices for 256 random bits. */
export const newToken = () => crypto.randomBytes(32).toString("base64url");
export const tokenHash = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

// The argon2 addon is loaded on the first password operation (sign-in, setup), not at server start: API-key
// and session requests never need it (idle memory; README "Performance").
let argon2: Promise<typeof import("@node-rs/argon2")> | undefined;
const loadArgon2 = () => (argon2 ??= import("@node-rs/argon2"));

export const hashPassword = async (password: string) => (await loadArgon2()).hash(password);
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await (await loadArgon2()).verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal usernames. */
let dummy: Promise<string> | undefined;
export const dummyHash = () => (dummy ??= hashPassword("patchbay-dummy-password"));
