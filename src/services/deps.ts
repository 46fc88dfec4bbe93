import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Keyring } from "../crypto/keyring.js";
import type { Db, DialectName } from "../db/index.js";
import type { TrustStore } from "../engine/http.js";
import type { GlobalPermission } from "../auth/permissions.js";
import type { LoginLimiter } from "../auth/rate-limit.js";

/** What every service function needs, built once at start-up. */
export interface Deps {
  db: Db;
  dialect: DialectName;
  keyring: Keyring;
  trust: TrustStore;
  /** Which trusted-certificate set the trust store holds; another instance may have changed it. */
  trustVersion: { value: string | undefined };
  config: Config;
  log: Logger;
  loginLimiter: LoginLimiter;
  /** The one-time onboarding token while the instance has no user. */
  setupToken: { value: string | undefined };
  /** Releases the database pool, Redis and outbound agents. */
  close(): Promise<void>;
}

/** Who is calling: resolved once per request from the session cookie or the API key. */
export interface Caller {
  user: { id: string; username: string } | null;
  permissions: ReadonlySet<GlobalPermission>;
  via: "session" | "apiKey" | null;
  /** Who the audit log names for this caller's writes (src/services/audit.ts), with the client address. */
  actor: Actor;
}

export const anonymous: Caller = { user: null, permissions: new Set(), via: null, actor: { type: "user", name: "anonymous" } };

export type ActorType = "user" | "apiKey" | "operator" | "provisioning";

/** Who acts: built once per request in `resolveCaller` (or by `operatorActor`) and carried on the Caller. */
export interface Actor {
  type: ActorType;
  /** The user's id (for an API key: its owner's); none for the operator and provisioning. */
  id?: string;
  /** Username, API key name, "cli", or the provisioning file. */
  name: string;
  /** Client address (TRUST_PROXY respected: it is Fastify's req.ip). */
  ip?: string;
}
