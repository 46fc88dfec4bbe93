import crypto from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Login limiter: sliding windows per account (across every client address) and per client address.
 *
 * An attempt is counted **before** its password is checked, in one atomic step (check + add): however many
 * attempts arrive at once (parallel requests, a tRPC batch, a new X-Forwarded-For on each), at most
 * MAX_FAILURES_PER_ACCOUNT passwords of one account are evaluated per window. A successful login removes
 * only its own attempt, never the failures of other attempts still in flight.
 *
 * In memory for a single instance; with REDIS_URL the windows live in Redis (one Lua script per reservation),
 * so several Patchbay instances behind one proxy share them.
 */
export interface LoginLimiter {
  /** Counts an attempt if the windows allow one: `{attempt}` to pass to `succeeded`, or the wait in ms. */
  reserve(ip: string, username: string): Promise<{ attempt: string; retryAfterMs: 0 } | { attempt?: undefined; retryAfterMs: number }>;
  /** The attempt's password was right: it no longer counts as a failure. */
  succeeded(attempt: string): Promise<void>;
}

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_FAILURES_PER_IP = 50;
/** Memory bound of the in-memory limiter: the oldest windows are dropped first (never all at once). */
const MAX_KEYS = 100_000;

const accountKey = (username: string) => `account|${username.toLowerCase()}`;
const ipKey = (ip: string) => `ip|${ip}`;
const limitsOf = (ip: string, username: string): [string, number][] => [
  [accountKey(username), MAX_FAILURES_PER_ACCOUNT],
  [ipKey(ip), MAX_FAILURES_PER_IP],
];

export class MemoryLoginLimiter implements LoginLimiter {
  /** key → attempts in the window, oldest first */
  private windows = new Map<string, { id: string; at: number }[]>();
  private keysOf = new Map<string, string[]>();

  private recent(key: string, now: number) {
    const list = (this.windows.get(key) ?? []).filter((a) => now - a.at < LOGIN_WINDOW_MS);
    if (list.length) this.windows.set(key, list);
    else this.windows.delete(key);
    return list;
  }

  // Synchronous from check to insert: two requests can never both see the last free slot.
  async reserve(ip: string, username: string, now = Date.now()) {
    const limits = limitsOf(ip, username);
    for (const [key, max] of limits) {
      const list = this.recent(key, now);
      if (list.length >= max) return { retryAfterMs: Math.max(1, LOGIN_WINDOW_MS - (now - list[list.length - max]!.at)) };
    }
    const id = crypto.randomUUID();
    for (const [key] of limits) {
      const list = this.windows.get(key) ?? [];
      list.push({ id, at: now });
      this.windows.delete(key); // re-insert: Map order is then "least recently used first"
      this.windows.set(key, list);
    }
    this.keysOf.set(id, limits.map(([k]) => k));
    setTimeout(() => this.keysOf.delete(id), LOGIN_WINDOW_MS).unref();
    while (this.windows.size > MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
    return { attempt: id, retryAfterMs: 0 as const };
  }

  async succeeded(attempt: string): Promise<void> {
    for (const key of this.keysOf.get(attempt) ?? []) {
      const list = this.windows.get(key)?.filter((a) => a.id !== attempt);
      if (list?.length) this.windows.set(key, list);
      else this.windows.delete(key);
    }
    this.keysOf.delete(attempt);
  }
}

/**
 * KEYS: the windows; ARGV: (unused), window ms, member, then one limit per key. Trims every window, answers
 * the wait (ms) when one is full, otherwise adds the member to all of them — atomically, as Redis runs a
 * script without interleaving other commands. The time is Redis's own: one clock for every instance.
 */
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
  local limit = tonumber(ARGV[3 + i])
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    return math.min(window, math.max(1, window - (now - tonumber(oldest[2]))))
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0
`;

/** Sliding windows as Redis sorted sets (score = time), shared by every instance. */
export class RedisLoginLimiter implements LoginLimiter {
  constructor(private readonly redis: Redis) {}

  private key(k: string) {
    return `patchbay:login-attempts:${k}`;
  }

  async reserve(ip: string, username: string) {
    const limits = limitsOf(ip, username);
    const keys = limits.map(([k]) => this.key(k));
    // The member names its keys, so that `succeeded` can remove it again without state in this process.
    const member = `${crypto.randomUUID()}|${Buffer.from(JSON.stringify(keys)).toString("base64url")}`;
    const wait = Number(await this.redis.eval(RESERVE_SCRIPT, keys.length, ...keys, 0, LOGIN_WINDOW_MS, member, ...limits.map(([, max]) => max)));
    return wait > 0 ? { retryAfterMs: wait } : { attempt: member, retryAfterMs: 0 as const };
  }

  async succeeded(attempt: string): Promise<void> {
    const keys = JSON.parse(Buffer.from(attempt.split("|")[1] ?? "", "base64url").toString() || "[]") as string[];
    const pipeline = this.redis.multi();
    for (const k of keys) pipeline.zrem(k, attempt);
    await pipeline.exec();
  }
}
