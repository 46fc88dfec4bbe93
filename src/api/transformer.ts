import superjson from "superjson";

/**
 * The tRPC transformer: superjson on the wire, with a shortcut for answers made of plain JSON and Dates.
 * superjson walks every value building paths and annotations; for a list of 3,000 integrations (each with a
 * health date) that costs ~7× JSON.stringify (bench/profile-lists.ts). Its output is `{ json, meta }` where
 * `json` is the value with every Date as its ISO string and `meta.values` maps each Date's path ("0.health.
 * checkedAt", dots and backslashes in keys escaped) to ["Date"]. For a tree of strings, booleans, null,
 * finite numbers other than -0, arrays, plain objects and valid Dates, that is the value itself (a Date's
 * toJSON is its ISO string, so JSON.stringify writes the same text) plus the paths of its Dates, collected in
 * one walk; no Dates, no `meta`. Anything else (an invalid Date, Map, Set, undefined, BigInt, NaN, class
 * instances…) goes through superjson unchanged. Requests are always read by superjson. One difference by
 * design: a plain object reached twice in one answer arrives as two equal objects instead of one shared one
 * (superjson would record the identity); answers never rely on identity. test/api/transformer.test.ts
 * compares the two byte for byte.
 */

const escapeKey = (key: string) => (key.includes(".") || key.includes("\\") ? key.replace(/\\/g, "\\\\").replace(/\./g, "\\.") : key);

/** Walks `value`; returns false as soon as something needs superjson. Dates' paths go to `dates`. */
function walk(value: unknown, path: string[], dates: string[]): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      // Deeper than any answer this API gives: let superjson judge (and keep this recursion bounded).
      if (path.length > 64) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          path.push(String(i));
          const ok = walk(value[i], path, dates);
          path.pop();
          if (!ok) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto === Date.prototype) {
        if (Number.isNaN((value as Date).getTime())) return false;
        dates.push(path.join("."));
        return true;
      }
      if (proto !== Object.prototype) return false;
      for (const key in value) {
        path.push(escapeKey(key));
        const ok = walk((value as Record<string, unknown>)[key], path, dates);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** True when the value is plain JSON (no Dates either): superjson's answer would be `{ json: value }`. */
export function isPlainJson(value: unknown): boolean {
  const dates: string[] = [];
  return walk(value, [], dates) && dates.length === 0;
}

function serialize(value: unknown) {
  const dates: string[] = [];
  if (!walk(value, [], dates)) return superjson.serialize(value);
  if (!dates.length) return { json: value };
  // A Date at the root is annotated without a path.
  const values = dates.length === 1 && dates[0] === "" && value instanceof Date ? ["Date"] : Object.fromEntries(dates.map((p) => [p, ["Date"]]));
  return { json: value, meta: { values, v: 1 } };
}

export const transformer = {
  serialize,
  deserialize: (payload: unknown) => superjson.deserialize(payload as never),
};
