import type { Redis } from "ioredis";

/**
 * Failed-login limiter: a sliding window per (IP, username) and per IP. In memory for a single instance;
 * with REDIS_URL the counters live in Redis, so several Patchbay instances behind one proxy share them.
 */
export interface LoginLimiter {
  /** Milliseconds to wait before another attempt, or 0 when allowed. */
  retryAfter(ip: string, username: string): Promise<number>;
  fail(ip: string, username: string): Promise<void>;
  succeed(ip: string, username: string): Promise<void>;
}

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_FAILURES_PER_IP = 50;

const accountKey = (ip: string, username: string) => `${ip}|${username.toLowerCase()}`;

export class MemoryLoginLimiter implements LoginLimiter {
  private failures = new Map<string, number[]>();

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < LOGIN_WINDOW_MS);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  async retryAfter(ip: string, username: string, now = Date.now()): Promise<number> {
    const account = this.recent(accountKey(ip, username), now);
    const ipList = this.recent(ip, now);
    const blockedBy = account.length >= MAX_FAILURES_PER_ACCOUNT ? account : ipList.length >= MAX_FAILURES_PER_IP ? ipList : undefined;
    return blockedBy ? LOGIN_WINDOW_MS - (now - blockedBy[0]!) : 0;
  }

  async fail(ip: string, username: string, now = Date.now()): Promise<void> {
    for (const key of [accountKey(ip, username), ip]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.set(key, list);
    }
    if (this.failures.size > 10_000) this.failures.clear(); // bound memory under a spray of usernames
  }

  async succeed(ip: string, username: string): Promise<void> {
    this.failures.delete(accountKey(ip, username));
  }
}

/** Sliding windows as Redis sorted sets (score = time), shared by every instance. */
export class RedisLoginLimiter implements LoginLimiter {
  constructor(private readonly redis: Redis) {}

  private key(k: string) {
    return `patchbay:login-failures:${k}`;
  }

  async retryAfter(ip: string, username: string): Promise<number> {
    const now = Date.now();
    const keys = [this.key(accountKey(ip, username)), this.key(ip)];
    const pipeline = this.redis.multi();
    for (const k of keys) {
      pipeline.zremrangebyscore(k, 0, now - LOGIN_WINDOW_MS);
      pipeline.zcard(k);
      pipeline.zrange(k, "0", "0", "WITHSCORES");
    }
    const res = (await pipeline.exec()) ?? [];
    const count = (i: number) => Number(res[i * 3 + 1]?.[1] ?? 0);
    const oldest = (i: number) => Number((res[i * 3 + 2]?.[1] as string[] | undefined)?.[1] ?? now);
    const blocked = count(0) >= MAX_FAILURES_PER_ACCOUNT ? 0 : count(1) >= MAX_FAILURES_PER_IP ? 1 : -1;
    return blocked < 0 ? 0 : Math.max(1, LOGIN_WINDOW_MS - (now - oldest(blocked)));
  }

  async fail(ip: string, username: string): Promise<void> {
    const now = Date.now();
    const member = `${now}-${Math.random().toString(36).slice(2)}`;
    const pipeline = this.redis.multi();
    for (const k of [this.key(accountKey(ip, username)), this.key(ip)]) {
      pipeline.zadd(k, now, member);
      pipeline.pexpire(k, LOGIN_WINDOW_MS);
    }
    await pipeline.exec();
  }

  async succeed(ip: string, username: string): Promise<void> {
    await this.redis.del(this.key(accountKey(ip, username)));
  }
}
