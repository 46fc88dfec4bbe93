/** Compares dotted versions numerically ("v4.5.2" vs "4.10"); suffixes like "-beta" or " (bb6b5a0)" are ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => (v.trim().replace(/^v/i, "").match(/^\d+(\.\d+)*/)?.[0] ?? "0").split(".").map(Number);
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
