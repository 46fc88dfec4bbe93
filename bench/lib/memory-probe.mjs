// Preloaded into the server process by the health bench (`node --import ./bench/lib/memory-probe.mjs …`):
// every PATCHBAY_BENCH_MEMORY_MS (default 5000) it appends process.memoryUsage() as one JSON line to
// PATCHBAY_BENCH_MEMORY_FILE, so the bench sees the V8 heap (heapUsed) next to RSS — RSS alone cannot tell a
// leak (heapUsed keeps rising) from V8 growing its heap under load (heapUsed flat, heapTotal/RSS higher).
import fs from "node:fs";
import { constants, PerformanceObserver } from "node:perf_hooks";

const file = process.env.PATCHBAY_BENCH_MEMORY_FILE;
if (file) {
  // heapUsed shortly after the last full (mark-compact) collection: the live heap, the figure a leak raises.
  // Plain heapUsed also counts garbage not collected yet and swings with load.
  let heapAfterGc = null;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) heapAfterGc = process.memoryUsage().heapUsed;
  }).observe({ entryTypes: ["gc"] });
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n) => Math.round((n / 1048576) * 10) / 10;
    const line = { at: Date.now(), rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), heapAfterGc: heapAfterGc === null ? null : mb(heapAfterGc) };
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, Number(process.env.PATCHBAY_BENCH_MEMORY_MS || 5000));
  timer.unref();
}
