/** Timing helpers: percentiles over raw samples (milliseconds, sub-millisecond resolution). */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  /** Completed calls per second of wall time (sequential calls for in-process figures). */
  rps: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function summarize(samples: number[], wallMs: number): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: samples.length ? sum / samples.length : NaN,
    rps: wallMs > 0 ? (samples.length / wallMs) * 1000 : NaN,
  };
}

export const now = () => performance.now();

export interface MeasureOptions {
  /** Warm-up: this many calls or this much time, whichever ends first (JIT, SQLite page cache). */
  warmupCalls?: number;
  warmupMs?: number;
  /** Measurement: stops at maxCalls or budgetMs, but never before minCalls. */
  minCalls?: number;
  maxCalls?: number;
  budgetMs?: number;
}

/** Calls `fn` one after another (never overlapping) and records each call's latency. */
export async function measure(fn: (i: number) => Promise<unknown>, opts: MeasureOptions = {}): Promise<Summary> {
  const { warmupCalls = 200, warmupMs = 400, minCalls = 30, maxCalls = 5000, budgetMs = 2000 } = opts;
  let i = 0;
  const w0 = now();
  while (i < warmupCalls && now() - w0 < warmupMs) await fn(i++);
  const samples: number[] = [];
  const t0 = now();
  while (samples.length < maxCalls && (samples.length < minCalls || now() - t0 < budgetMs)) {
    const s = now();
    await fn(i++);
    samples.push(now() - s);
  }
  return summarize(samples, now() - t0);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const round = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
