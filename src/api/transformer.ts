import superjson from "superjson";

/**
 * The tRPC transformer: superjson on the wire, with a shortcut for answers that are plain JSON already.
 * superjson walks every value building paths and annotations; for a list of 3,000 integrations that costs
 * ~25× JSON.stringify (bench/profile-lists.ts). When every value in the tree is a string, a boolean, null,
 * a finite number other than -0, an array or an object with the plain Object prototype, superjson's answer
 * is exactly `{ json: value }` (no `meta`), so that is returned without its walk. Anything else (Date, Map,
 * Set, undefined, BigInt, NaN, class instances…) goes through superjson unchanged. Requests are always read
 * by superjson. One difference by design: a plain object reached twice in one answer arrives as two equal
 * objects instead of one shared one (superjson would record the identity); answers never rely on identity.
 */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      // Deeper than any answer this API gives: let superjson judge (and keep this recursion bounded).
      if (depth > 64) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype) return false;
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

export const transformer = {
  serialize: (value: unknown) => (isPlainJson(value) ? { json: value } : superjson.serialize(value)),
  deserialize: (payload: unknown) => superjson.deserialize(payload as never),
};
