import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { isPlainJson, transformer } from "../../src/api/transformer.js";

// The shortcut must give byte-for-byte what superjson gives, and step aside for everything superjson encodes.
describe("tRPC transformer (superjson with a plain-JSON shortcut)", () => {
  const plain: unknown[] = [
    null,
    "text",
    0,
    1.5,
    true,
    [],
    {},
    Array.from({ length: 50 }, (_, i) => ({ id: `i${i}`, name: `Sonarr ${i}`, kind: "sonarr", url: "http://x", permissions: { hasUseAccess: true, hasInteractAccess: i % 2 === 0, hasFullAccess: false } })),
    { nested: { deeper: [1, "2", [false, null]] }, "__proto__x": 1 },
  ];
  // Plain JSON with valid Dates anywhere: the shortcut writes the same text as superjson (dates as ISO strings,
  // their paths in meta.values, keys with dots and backslashes escaped).
  const dated: unknown[] = [
    new Date(0),
    { at: new Date(0) },
    { "": new Date(1) },
    [new Date(2), null, { x: [new Date(3)] }],
    { "a.b": { "c\\d": new Date(4), "e.": [new Date(5)] } },
    Array.from({ length: 30 }, (_, i) => ({ id: `i${i}`, health: { status: "ok", checkedAt: i % 3 ? new Date(1_700_000_000_000 + i) : null } })),
  ];
  const special: unknown[] = [
    new Date(NaN),
    { at: new Date(0), missing: undefined },
    [1, undefined],
    { missing: undefined },
    NaN,
    -0,
    [Infinity],
    10n,
    new Map([["a", 1]]),
    new Set([1]),
    /re/,
    new Error("boom"),
    Object.create(null),
    new (class Thing {})(),
    new URL("http://x/"),
    new Uint8Array([1]),
  ];

  it("plain JSON answers are exactly superjson's {json} (no meta), and round-trip", () => {
    for (const v of plain) {
      expect(isPlainJson(v)).toBe(true);
      expect(JSON.stringify(transformer.serialize(v))).toBe(JSON.stringify(superjson.serialize(v)));
      expect(superjson.deserialize(JSON.parse(JSON.stringify(transformer.serialize(v))))).toEqual(v);
    }
  });

  it("answers with Dates give superjson's exact text, and round-trip", () => {
    for (const v of dated) {
      expect(isPlainJson(v)).toBe(false);
      expect(JSON.stringify(transformer.serialize(v))).toBe(JSON.stringify(superjson.serialize(v)));
      expect(superjson.deserialize(JSON.parse(JSON.stringify(transformer.serialize(v))))).toEqual(v);
    }
  });

  it("anything else superjson annotates goes through superjson itself", () => {
    for (const v of special) {
      expect(isPlainJson(v)).toBe(false);
      expect(transformer.serialize(v)).toEqual(superjson.serialize(v));
    }
    const withDate = { items: [{ updatedAt: new Date(5) }] };
    expect(superjson.deserialize(transformer.serialize(withDate) as never)).toEqual(withDate);
  });

  it("a tree deeper than 64 levels is left to superjson", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(isPlainJson(deep)).toBe(false);
    expect(transformer.serialize(deep)).toEqual(superjson.serialize(deep));
  });

  it("requests are read by superjson", () => {
    const input = superjson.serialize({ at: new Date(7), n: 1 });
    expect(transformer.deserialize(input)).toEqual({ at: new Date(7), n: 1 });
  });
});
