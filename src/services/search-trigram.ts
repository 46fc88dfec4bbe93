import type { Db, DialectName } from "../db/index.js";
import { prepared } from "../db/prepared.js";
import { searchName } from "./search-name.js";

/**
 * Candidates for integration.search from SQLite's FTS5 trigram index (migration 0007_search_trigram). A rare
 * term is answered from the few names that contain it instead of walking the whole name index; a common one
 * (more than CANDIDATE_CAP names) is left to the ordered walk, which finds `limit` visible matches early
 * precisely because matches are dense. Either way the rows examined stay bounded by the cap or the limit.
 *
 * The pattern is passed without ESCAPE: FTS5 serves only a plain LIKE from the index (with ESCAPE it scans).
 * A `%` or `_` in the term then matches more names than the literal term — a superset, which is fine because
 * the caller filters the candidates again with the exact, escaped LIKE on integrations.name_lower.
 */
export const CANDIDATE_CAP = 50;

const candidatesQuery = prepared(["pattern"], (db: Db, p) =>
  db.selectFrom("integrationsNameTrigram").select("id").where("nameLower", "like", p.pattern).limit(CANDIDATE_CAP + 1),
);

/**
 * Answers per term, while the `access` counter (migration 0008, moved by every write to integrations, so by
 * every rename) stays where they were read: a dashboard that repeats a search skips the index. Bounded.
 */
const REMEMBERED_TERMS = 256;
const remembered = new WeakMap<Db, Map<string, { access: number; ids: string[] | undefined }>>();

/**
 * Ids of names that may contain the query; undefined when the index cannot help (not SQLite, < 3 characters,
 * too many). `access`: the current access counter, when the caller read it (undefined: nothing remembered).
 */
export async function trigramCandidates(db: Db, dialect: DialectName, query: string, access?: number): Promise<string[] | undefined> {
  const term = searchName(query);
  // A trigram index needs at least one whole trigram in the term.
  if (dialect !== "sqlite" || [...term].length < 3) return undefined;
  let terms = remembered.get(db);
  if (!terms) remembered.set(db, (terms = new Map()));
  const known = terms.get(term);
  if (access !== undefined && known?.access === access) {
    terms.delete(term);
    terms.set(term, known);
    return known.ids;
  }
  const rows = await candidatesQuery<{ id: string }>(db, { pattern: `%${term}%` });
  const ids = rows.length > CANDIDATE_CAP ? undefined : rows.map((r) => r.id);
  if (access !== undefined) {
    terms.delete(term);
    terms.set(term, { access, ids });
    if (terms.size > REMEMBERED_TERMS) terms.delete(terms.keys().next().value!);
  }
  return ids;
}
