import crypto from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/** Random identifiers for rows: URL-safe, 128 bits. */
export const newId = () => crypto.randomBytes(16).toString("base64url");

/** High-entropy bearer tokens (sessions, API keys): stored only as SHA-256, which suffices for 256 random bits. */
export const newToken = () => crypto.randomBytes(32).toString("base64url");
export const tokenHash = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

export const hashPassword = (password: string) => hash(password);
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal usernames. */
let dummy: Promise<string> | undefined;
export const dummyHash = () => (dummy ??= hash("patchbay-dummy-password"));
