import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Keyring } from "../crypto/keyring.js";
import type { Db, DialectName } from "../db/index.js";
import type { TrustStore } from "../integrations/http.js";
import type { GlobalPermission } from "../auth/permissions.js";
import type { LoginLimiter } from "../auth/rate-limit.js";

/** What every service function needs, built once at start-up. */
export interface Deps {
  db: Db;
  dialect: DialectName;
  keyring: Keyring;
  trust: TrustStore;
  config: Config;
  log: Logger;
  loginLimiter: LoginLimiter;
  /** The one-time onboarding token while the instance has no user. */
  setupToken: { value: string | undefined };
}

/** Who is calling: resolved once per request from the session cookie or the API key. */
export interface Caller {
  user: { id: string; username: string } | null;
  permissions: ReadonlySet<GlobalPermission>;
  via: "session" | "apiKey" | null;
}

export const anonymous: Caller = { user: null, permissions: new Set(), via: null };
