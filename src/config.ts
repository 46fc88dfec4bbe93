import path from "node:path";

/** Everything Patchbay reads from its environment, parsed once (contract §1). */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  encryptionKeyHex: string | undefined;
  encryptionKeyFile: string | undefined;
  /** Older keys that must stay readable while a rotation is under way. */
  previousKeysHex: string[];
  adminUsername: string | undefined;
  adminPassword: string | undefined;
  testTimeoutMs: number;
  /** PATCHBAY_CAPABILITY_CACHE_MS: how long a capability read is served from the cache (docs/capabilities.md). */
  capabilityCacheMs: number;
  logLevel: string;
  /** Optional Redis shared by several instances (login rate-limit counters). */
  redisUrl: string | undefined;
  /** Behind a reverse proxy: read the client IP and https from X-Forwarded-* headers (TRUST_PROXY). */
  trustProxy: boolean;
  /** PATCHBAY_PROVISION_FILE: a YAML file of integrations applied at start (src/services/provisioning.ts). */
  provisionFile?: string;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const adminUsername = env.PATCHBAY_ADMIN_USERNAME || undefined;
  const adminPassword = env.PATCHBAY_ADMIN_PASSWORD || undefined;
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError("PATCHBAY_ADMIN_USERNAME and PATCHBAY_ADMIN_PASSWORD must be set together");
  }
  return {
    host: env.HOST || "0.0.0.0",
    port: int(env, "PORT", 7575, 0, 65535),
    dataDir: path.resolve(env.PATCHBAY_DATA_DIR || "./data"),
    databaseUrl: env.DATABASE_URL || undefined,
    encryptionKeyHex: env.SECRET_ENCRYPTION_KEY || undefined,
    encryptionKeyFile: env.SECRET_ENCRYPTION_KEY_FILE || undefined,
    previousKeysHex: (env.SECRET_ENCRYPTION_PREVIOUS_KEYS || "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    adminUsername,
    adminPassword,
    testTimeoutMs: int(env, "PATCHBAY_TEST_TIMEOUT_MS", 10_000, 100, 120_000),
    capabilityCacheMs: int(env, "PATCHBAY_CAPABILITY_CACHE_MS", 2_000, 0, 600_000),
    logLevel: env.LOG_LEVEL || "info",
    redisUrl: env.REDIS_URL || undefined,
    trustProxy: env.TRUST_PROXY === "true" || env.TRUST_PROXY === "1",
    provisionFile: env.PATCHBAY_PROVISION_FILE || undefined,
  };
}
