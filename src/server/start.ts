import crypto from "node:crypto";
import { sql } from "kysely";
import pino, { type Logger } from "pino";
import { ConfigError, type Config } from "../config.js";
import { passwordProblem } from "../auth/password-policy.js";
import { loadKeyring } from "../crypto/keyring.js";
import { ensurePrivateDir } from "../db/files.js";
import { migrate, openDatabase } from "../db/index.js";
import { TrustStore } from "../engine/http.js";
import { MemoryLoginLimiter, RedisLoginLimiter, type LoginLimiter } from "../auth/rate-limit.js";
import { createFirstAdmin, hasUsers } from "../services/auth.js";
import { operatorActor } from "../services/audit.js";
import { reloadTrust } from "../services/certificates.js";
import type { Deps } from "../services/deps.js";
import { verifyKeyring } from "../services/secrets.js";
import { applyProvisioning } from "../services/provisioning.js";
import { startHealthMonitor } from "../services/health.js";
import { closeNotifications } from "../services/notifications.js";
import { buildApp } from "./app.js";

/** Log redaction: credentials in headers never reach a log line; URLs are logged without their query. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ["req.headers.authorization", "req.headers.apikey", "req.headers.cookie", 'res.headers["set-cookie"]'], censor: "***" },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: req.url.split("?")[0], ip: req.ip }),
    },
  });
}

/** Opens everything Patchbay needs (database, keyring, trust store) and applies migrations. */
export async function createDeps(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Deps> {
  // The data dir holds the key file and the SQLite database: 0700, tightened when it exists with looser modes.
  const tightened = !config.databaseUrl || (!config.encryptionKeyHex && !config.encryptionKeyFile) ? ensurePrivateDir(config.dataDir) : [];
  const { keyring, generatedAt, pendingRotation } = loadKeyring({
    keyHex: config.encryptionKeyHex,
    keyFile: config.encryptionKeyFile,
    dataDir: config.dataDir,
    previousKeysHex: config.previousKeysHex,
  });
  if (pendingRotation) {
    log.warn({ file: pendingRotation }, "an unfinished key rotation was found; its key stays readable. Run `patchbay secrets rotate-key --new-key-file` with that file to finish it");
  }
  if (generatedAt) log.warn({ file: generatedAt }, "generated a new encryption key; back this file up together with the database");
  const { db, dialect } = await openDatabase(config.databaseUrl, config.dataDir, (paths) => tightened.push(...paths));
  if (tightened.length) log.warn({ paths: tightened }, "tightened file modes: the data directory is now 0700 and the database files 0600 (they were readable by other users)");
  try {
    await migrate(db);
    await verifyKeyring(db, keyring);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  let loginLimiter: LoginLimiter = new MemoryLoginLimiter();
  const closers: (() => Promise<unknown>)[] = [];
  if (config.redisUrl) {
    const { Redis } = await import("ioredis");
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    redis.on("error", (err) => log.warn({ err: err.message }, "redis error"));
    await redis.connect();
    loginLimiter = new RedisLoginLimiter(redis);
    closers.push(() => redis.quit());
    log.info("login rate limits are shared through Redis");
  }
  const deps: Deps = {
    db,
    dialect,
    keyring,
    trust: new TrustStore(),
    trustVersion: { value: undefined },
    config,
    log,
    loginLimiter,
    setupToken: { value: undefined },
    close: async () => {
      await Promise.allSettled(closers.map((c) => c()));
      await deps.trust.close();
      if (dialect === "sqlite") {
        // Fold the write-ahead log into the database file, so a stopped instance is one self-contained file
        // (a backup copy of patchbay.db alone is complete).
        try {
          await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
        } catch (err) {
          log.warn({ err: (err as Error).message }, "could not checkpoint the SQLite write-ahead log");
        }
      }
      await db.destroy();
    },
  };
  await reloadTrust(deps);
  if (!(await hasUsers(db))) {
    if (config.adminUsername && config.adminPassword) {
      // Checked only when used: an old weak value left in the environment of a set-up instance is harmless.
      const problem = passwordProblem(config.adminPassword, config.adminUsername);
      if (problem) {
        await deps.close();
        throw new ConfigError(`PATCHBAY_ADMIN_PASSWORD ${problem} (see README, Configuration)`);
      }
      try {
        await createFirstAdmin(deps, config.adminUsername, config.adminPassword, operatorActor("provisioning", "PATCHBAY_ADMIN_USERNAME"));
        log.info({ username: config.adminUsername }, "created the first admin from PATCHBAY_ADMIN_USERNAME");
      } catch (e) {
        // Another instance starting at the same moment created it first.
        if (!(await hasUsers(db))) throw e;
      }
    } else {
      deps.setupToken.value = crypto.randomBytes(12).toString("base64url");
      log.warn(`No users yet. Open the web UI and complete onboarding with this one-time setup token: ${deps.setupToken.value}`);
    }
  }
  await applyProvisioning(deps); // PATCHBAY_PROVISION_FILE; logs its failures, never throws
  return deps;
}

export async function startServer(config: Config) {
  const deps = await createDeps(config);
  const app = await buildApp(deps);
  // The health monitor (PATCHBAY_HEALTH_INTERVAL_S) stops before the database closes; so do notification retries.
  const health = startHealthMonitor(deps);
  app.addHook("onClose", async () => {
    await health.stop();
    await closeNotifications(deps, 1_000);
    await deps.close();
  });
  await app.listen({ host: config.host, port: config.port });
  return { app, deps };
}
