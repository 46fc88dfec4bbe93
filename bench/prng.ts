/**
 * A tiny seeded PRNG (mulberry32) so every data set is the same on every run: same ids, names, kinds,
 * memberships and permission rows. (Ciphertexts still differ: AES-GCM takes a fresh random IV.)
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `n` distinct items (n ≤ items.length), by a partial Fisher–Yates shuffle of a copy. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }

  /** A deterministic 128-bit id in the same URL-safe shape as the server's newId(). */
  id(): string {
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) bytes.writeUInt32LE(Math.floor(this.next() * 4294967296) >>> 0, i);
    return bytes.toString("base64url");
  }

  hex(bytes: number): string {
    let s = "";
    for (let i = 0; i < bytes; i++) s += this.int(0, 255).toString(16).padStart(2, "0");
    return s;
  }
}
