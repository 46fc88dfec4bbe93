/**
 * The read cache of the capability service (docs/capabilities.md "Cache and coalescing"): an answer is
 * served while younger than `ttlMs`; concurrent identical reads share the one pending upstream call; an
 * action drops every entry of its integration (and a read that was in flight when it ran is not stored, so
 * the next read shows the new state). Bounded: entries expire and are swept, and at most `maxEntries` live.
 */
export class CapabilityCache<V> {
  private entries = new Map<string, { integrationId: string; expires: number; value?: V; pending?: Promise<V> }>();
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(ttlMs, 1_000) * 5);
    this.sweeper.unref();
  }

  /**
   * The cached or pending value of `key`, or the result of `load` (started once for all concurrent callers).
   * `maxAgeMs` (a watch polling faster than the cache period) serves only answers younger than that.
   */
  get(integrationId: string, key: string, load: () => Promise<V>, maxAgeMs = this.ttlMs): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit?.pending) return hit.pending;
    if (hit && hit.value !== undefined && hit.expires > now && hit.expires - this.ttlMs + maxAgeMs > now) return Promise.resolve(hit.value);
    const entry: { integrationId: string; expires: number; value?: V; pending?: Promise<V> } = { integrationId, expires: 0 };
    const pending = load().then(
      (value) => {
        // Stored only if still the current entry: an invalidation meanwhile removed it (see `invalidate`).
        if (this.entries.get(key) === entry) {
          if (this.ttlMs > 0) {
            entry.value = value;
            entry.expires = Date.now() + this.ttlMs;
            entry.pending = undefined;
          } else this.entries.delete(key);
        }
        return value;
      },
      (err: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw err;
      },
    );
    entry.pending = pending;
    this.entries.delete(key); // re-insert at the end: the Map's order is the eviction order
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.evict();
    return pending;
  }

  /** Drops every cached read of the integration (after an action on it). */
  invalidate(integrationId: string): void {
    // Pending reads are removed too: their callers still get them, but they are not stored, and the next read
    // starts a fresh call that sees the action's effect.
    for (const [key, e] of this.entries) if (e.integrationId === integrationId) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, e] of this.entries) if (!e.pending && e.expires <= now) this.entries.delete(key);
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if (!e.pending) this.entries.delete(key);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
