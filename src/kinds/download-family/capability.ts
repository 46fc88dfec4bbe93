import { TestFailure } from "../../engine/types.js";
import type { DownloadItem } from "../../engine/capabilities.js";

/**
 * What the six download clients' `downloads` capabilities share (docs/capabilities.md §2): checking that the
 * items an action names exist, and turning the clients' numbers into the contract's units.
 */

/** Throws when an action names items the client does not have (clients silently ignore unknown ids). */
export function requireKnown(name: string, ids: readonly string[], known: Iterable<string>): void {
  const have = new Set(known);
  const missing = ids.filter((id) => !have.has(id));
  if (missing.length) {
    throw new TestFailure(
      "UNEXPECTED_RESPONSE",
      `${name} has no download with id ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ""}; it may have been removed already. Reload the queue.`,
      { missing: missing.length },
    );
  }
}

/** 0..1 from a fraction that clients may round slightly past 1 (or a done/total pair with total 0). */
export function fraction(done: number, total = 1): number {
  if (!(total > 0)) return 0;
  return Math.min(1, Math.max(0, done / total));
}

/** Seconds, or null when the client says "unknown"/"infinite" (negative, or its own sentinel). */
export function eta(seconds: number | null | undefined, infinite?: number): number | null {
  if (seconds === null || seconds === undefined || seconds < 0 || seconds === infinite) return null;
  return seconds;
}

/** A Date from Unix seconds; undefined when the client has none (0 or negative). */
export function fromUnix(seconds: number | null | undefined): Date | undefined {
  return seconds && seconds > 0 ? new Date(seconds * 1000) : undefined;
}

/** Drops an empty category (clients send "" for none). */
export function category(value: string | null | undefined): Pick<DownloadItem, "category"> {
  return value ? { category: value } : {};
}
