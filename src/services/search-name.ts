/**
 * The lower-cased name stored next to an integration's name (column name_lower, migration 0006_search_index).
 * integration.search lower-cases its query the same way, so "contains, case-insensitive" means the same on
 * SQLite, PostgreSQL and MariaDB, whatever their own lower() and collations do with non-ASCII letters.
 * Every write of `integrations.name` writes this too: spread `nameColumns(name)` into the values.
 */
export function searchName(name: string): string {
  return name.toLowerCase();
}

export function nameColumns(name: string): { name: string; nameLower: string } {
  return { name, nameLower: searchName(name) };
}

/** Escapes LIKE wildcards so `%` and `_` in a query match themselves on every dialect. */
export function likeContains(query: string): string {
  return "%" + searchName(query).replace(/[!%_]/g, (c) => "!" + c) + "%";
}

/**
 * What integration.search matches names against, per dialect (src/services/integrations.ts, searchHits): the
 * lower-cased term itself on SQLite, which tests it with instr() (a plain substring test, a quarter faster
 * than LIKE on the name walk), and a LIKE pattern elsewhere (PostgreSQL's trigram index serves LIKE).
 */
export function searchPattern(dialect: "sqlite" | "postgres" | "mysql", query: string): string {
  return dialect === "sqlite" ? searchName(query) : likeContains(query);
}
