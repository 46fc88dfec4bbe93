import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/** Everything Patchbay reads from its environment, parsed once (docs/api.md, "Running it"). */
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
  /**
   * Behind a reverse proxy: which X-Forwarded-* hops to believe (TRUST_PROXY). A number of proxy hops, or the
   * proxies' addresses/CIDRs; `true` means one hop. false: the socket address is the client.
   */
  trustProxy: boolean | number | string[];
  /** Largest request body in bytes, any content type (PATCHBAY_BODY_LIMIT). */
  bodyLimit: number;
  /** A request whose body has not fully arrived after this many ms is ended with 408 (PATCHBAY_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Most procedure calls in one tRPC batch request (PATCHBAY_MAX_BATCH_SIZE). */
  maxBatchSize: number;
  /** Origin allowed to read /api/openapi.json cross-site (PATCHBAY_OPENAPI_CORS_ORIGIN; "*" for any); none by default. */
  openapiCorsOrigin: string | undefined;
  /** PATCHBAY_SESSION_IDLE_DAYS: a session unused this long ends (besides its 30-day absolute lifetime). */
  sessionIdleDays: number;
  /** PATCHBAY_PROVISION_FILE: a YAML file of integrations applied at start (src/services/provisioning.ts). */
  provisionFile?: string;
  /** PATCHBAY_HEALTH_INTERVAL_S: seconds between background connection tests of one integration; 0 = off (src/services/health.ts). */
  healthIntervalS: number;
  /** PATCHBAY_HEALTH_CONCURRENCY: most background tests one instance runs at once. */
  healthConcurrency: number;
  /** PATCHBAY_AUDIT_RETENTION_DAYS: audit entries older than this are pruned (src/services/audit.ts). */
  auditRetentionDays: number;
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

/**
 * TRUST_PROXY: "false"/unset, "true" (= one proxy hop), a hop count, or a comma-separated list of proxy
 * addresses/CIDRs. Trusting every hop would let a client name its own address in X-Forwarded-For.
 */
export function parseTrustProxy(raw: string | undefined): boolean | number | string[] {
  const value = (raw ?? "").trim();
  if (value === "" || value === "false" || value === "0") return false;
  if (value === "true") return 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 0 && hops <= 10) return hops;
  } else {
    const list = value.split(",").map((s) => s.trim()).filter(Boolean);
    const valid = (entry: string) => {
      const [address, bits, ...rest] = entry.split("/");
      const family = net.isIP(address ?? "");
      if (!family || rest.length) return false;
      return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
    };
    if (list.length && list.every(valid)) return list;
  }
  throw new ConfigError(`TRUST_PROXY must be false, true (one proxy), a number of proxy hops (1-10) or a comma-separated list of proxy addresses/CIDRs (got "${value}")`);
}

/** Secret variables that may also come from a file named by `<NAME>_FILE` (Docker/Podman/Kubernetes secrets). */
export const FILE_VARIABLES = ["DATABASE_URL", "REDIS_URL", "PATCHBAY_ADMIN_PASSWORD", "SECRET_ENCRYPTION_PREVIOUS_KEYS"] as const;

/**
 * NAME, or the content of the file NAME_FILE names — without the one trailing newline editors and `echo` add.
 * Both at once is ambiguous and refused, as is a file that cannot be read or is empty. (SECRET_ENCRYPTION_KEY_FILE
 * is the keyring's own: it may also name a key file Patchbay generates, see src/crypto/keyring.ts.)
 */
function fromEnvOrFile(env: NodeJS.ProcessEnv, name: (typeof FILE_VARIABLES)[number]): string | undefined {
  const file = env[`${name}_FILE`];
  if (!file) return env[name] || undefined;
  if (env[name]) throw new ConfigError(`${name} and ${name}_FILE are both set; set one of them`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`${name}_FILE: cannot read ${file} (${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (e as Error).message})`);
  }
  const value = text.replace(/\r?\n$/, "");
  if (!value) throw new ConfigError(`${name}_FILE: ${file} is empty`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const adminUsername = env.PATCHBAY_ADMIN_USERNAME || undefined;
  const adminPassword = fromEnvOrFile(env, "PATCHBAY_ADMIN_PASSWORD");
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError("PATCHBAY_ADMIN_USERNAME and PATCHBAY_ADMIN_PASSWORD must be set together");
  }
  return {
    host: env.HOST || "0.0.0.0",
    port: int(env, "PORT", 7575, 0, 65535),
    dataDir: path.resolve(env.PATCHBAY_DATA_DIR || "./data"),
    databaseUrl: fromEnvOrFile(env, "DATABASE_URL"),
    encryptionKeyHex: env.SECRET_ENCRYPTION_KEY || undefined,
    encryptionKeyFile: env.SECRET_ENCRYPTION_KEY_FILE || undefined,
    previousKeysHex: (fromEnvOrFile(env, "SECRET_ENCRYPTION_PREVIOUS_KEYS") || "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    adminUsername,
    adminPassword,
    testTimeoutMs: int(env, "PATCHBAY_TEST_TIMEOUT_MS", 10_000, 100, 120_000),
    capabilityCacheMs: int(env, "PATCHBAY_CAPABILITY_CACHE_MS", 2_000, 0, 600_000),
    logLevel: env.LOG_LEVEL || "info",
    redisUrl: fromEnvOrFile(env, "REDIS_URL"),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    bodyLimit: int(env, "PATCHBAY_BODY_LIMIT", 1024 * 1024, 1024, 100 * 1024 * 1024),
    requestTimeoutMs: int(env, "PATCHBAY_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    maxBatchSize: int(env, "PATCHBAY_MAX_BATCH_SIZE", 50, 1, 1000),
    openapiCorsOrigin: env.PATCHBAY_OPENAPI_CORS_ORIGIN || undefined,
    provisionFile: env.PATCHBAY_PROVISION_FILE || undefined,
    sessionIdleDays: int(env, "PATCHBAY_SESSION_IDLE_DAYS", 7, 1, 365),
    healthIntervalS: int(env, "PATCHBAY_HEALTH_INTERVAL_S", 300, 0, 86_400),
    healthConcurrency: int(env, "PATCHBAY_HEALTH_CONCURRENCY", 4, 1, 64),
    auditRetentionDays: int(env, "PATCHBAY_AUDIT_RETENTION_DAYS", 365, 1, 36_500),
  };
}
