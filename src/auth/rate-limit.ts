/**
 * Failed-login limiter: a sliding window per (IP, username) and per IP. In memory, so per instance;
 * enough to stop password guessing from one client against a single Patchbay.
 */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  constructor(
    private readonly windowMs = 15 * 60_000,
    private readonly perAccount = 10,
    private readonly perIp = 50,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Milliseconds to wait before another attempt, or 0 when allowed. */
  retryAfter(ip: string, username: string, now = Date.now()): number {
    const account = this.recent(`${ip}|${username.toLowerCase()}`, now);
    const ipList = this.recent(ip, now);
    const blockedBy = account.length >= this.perAccount ? account : ipList.length >= this.perIp ? ipList : undefined;
    return blockedBy ? this.windowMs - (now - blockedBy[0]!) : 0;
  }

  fail(ip: string, username: string, now = Date.now()): void {
    for (const key of [`${ip}|${username.toLowerCase()}`, ip]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.set(key, list);
    }
    if (this.failures.size > 10_000) this.failures.clear(); // bound memory under a spray of usernames
  }

  succeed(ip: string, username: string): void {
    this.failures.delete(`${ip}|${username.toLowerCase()}`);
  }
}
