import type { CompiledQuery, Compilable, Kysely } from "kysely";

/**
 * Hot queries, compiled once (docs/architecture.md, "Performance"). Kysely builds an operation tree, runs the
 * CamelCasePlugin over it and compiles it on every call — 0.05–0.1 ms for the permission query, more than
 * SQLite needs to answer it — and then copies every result row to rename its keys. A prepared query is built
 * once per database and shape with marker values in place of its parameters; each call puts the real values
 * at the markers' positions and runs the SQL without plugins, so rows come back keyed by the names the SQL
 * gives them (select single-word columns, or alias them). Values must be bound parameters: a marker that
 * shows up in the SQL text (sql.lit, sql.raw) is refused when the query is built. A shape may leave a value
 * out (a caller with a global level needs no user id).
 */

type Shape = { base: readonly unknown[]; slots: (number | undefined)[]; template: CompiledQuery };

const MARK = "\u0001patchbay-param:";
const plain = new WeakMap<Kysely<any>, Kysely<any>>();

/** The database (or transaction) without plugins, made once per instance. */
function withoutPlugins(db: Kysely<any>): Kysely<any> {
  const key = db;
  let p = plain.get(key);
  if (!p) plain.set(key, (p = key.withoutPlugins()));
  return p;
}

function compileShape<N extends string>(db: Kysely<any>, names: readonly N[], build: (db: Kysely<any>, p: Record<N, never>, variant: string) => Compilable<unknown>, variant: string): Shape {
  const markers = Object.fromEntries(names.map((n) => [n, `${MARK}${n}`])) as unknown as Record<N, never>;
  const compiled = build(db, markers, variant).compile();
  // Each parameter: the index of the name whose marker it is, or undefined for a constant of the shape.
  const slots = compiled.parameters.map((v) => (typeof v === "string" && v.startsWith(MARK) ? names.indexOf(v.slice(MARK.length) as N) : undefined));
  if (compiled.sql.includes(MARK)) throw new Error("prepared query: a parameter was inlined into the SQL text");
  // A marker inside a longer value (e.g. wrapped in % by the builder) would bind that text forever.
  if (compiled.parameters.some((v, i) => slots[i] === undefined && typeof v === "string" && v.includes(MARK))) throw new Error("prepared query: a parameter was changed by the builder");
  return { base: compiled.parameters, slots, template: compiled };
}

/**
 * `prepared(names, build)` → `run<Row>(db, values, variant?)` (values by name, or an array in `names` order): `build` receives the database, one marker per
 * name (typed `never`, so it fits any value position) and the variant: a string naming a shape that differs in
 * more than its values (e.g. a caller's global level, inlined as a literal), each compiled once per database.
 * `Row` is what the SQL returns as written (no camelCase mapping).
 */
export function prepared<N extends string>(names: readonly N[], build: (db: Kysely<any>, p: Record<N, never>, variant: string) => Compilable<unknown>) {
  const shapes = new WeakMap<Kysely<any>, Map<string, Shape>>();
  return async function run<Row>(db: Kysely<any>, values: Record<N, unknown> | readonly unknown[], variant = ""): Promise<Row[]> {
    const key = db;
    let byVariant = shapes.get(key);
    if (!byVariant) shapes.set(key, (byVariant = new Map()));
    let shape = byVariant.get(variant);
    if (!shape) byVariant.set(variant, (shape = compileShape(db, names, build, variant)));
    // Values by name, or (for long lists, e.g. ids) an array in the order of `names`.
    const byIndex = Array.isArray(values) ? (values as readonly unknown[]) : names.map((n) => (values as Record<N, unknown>)[n]);
    const parameters = shape.slots.map((s, i) => (s === undefined ? shape.base[i] : byIndex[s]));
    return (await withoutPlugins(db).executeQuery<Row>({ ...shape.template, parameters })).rows;
  };
}
