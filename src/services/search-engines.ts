import { fieldError, notFound } from "./errors.js";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import { LEVELS } from "../auth/permissions.js";
import { newId } from "../auth/tokens.js";
import { constraintKind } from "../db/index.js";
import type { Database, SearchEnginesTable } from "../db/schema.js";
import { accessibleIntegrations, requireCreatorOr } from "./access.js";
import type { Caller, Deps } from "./deps.js";
import { auditedTransaction } from "./audit.js";
import { likeContains } from "./search-name.js";

/** A short name derived from a display name ("My Sonarr" → "mysonarr"), made unique with a number. */
export async function uniqueShort(db: Kysely<Database> | Transaction<Database>, name: string): Promise<string> {
  const base = name.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 12) || "engine";
  const taken = new Set(
    (await db.selectFrom("searchEngines").select("short").where("short", "like", `${base}%`).execute()).map((r) => r.short.toLowerCase()),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

const missing = () => notFound("Search engine not found");

/** Engines the caller may see: generic ones, and those of integrations the caller can use. */
function visibleEngines(deps: Deps, caller: Caller) {
  const usable = accessibleIntegrations(deps.db, caller).select("i.id as usableId");
  return deps.db
    .selectFrom("searchEngines as e")
    .selectAll("e")
    .where((eb) => eb.or([eb("e.integrationId", "is", null), eb("e.integrationId", "in", eb.selectFrom(usable.as("u")).select("u.usableId"))]));
}

export async function listEngines(deps: Deps, caller: Caller) {
  return (await visibleEngines(deps, caller).orderBy("e.name").execute()).map(engineView);
}

export async function searchEngines(deps: Deps, caller: Caller, query: string, limit: number) {
  const pattern = likeContains(query);
  const rows = await visibleEngines(deps, caller)
    .where((eb) =>
      eb.or([
        eb(sql`lower(${sql.ref("e.name")})`, "like", sql`${pattern} escape '!'`),
        eb(sql`lower(${sql.ref("e.short")})`, "like", sql`${pattern} escape '!'`),
      ]),
    )
    .orderBy("e.name")
    .limit(limit)
    .execute();
  return rows.map(engineView);
}

/** A search engine as the API shows it (and the export carries, with its creator and time). */
export function engineView(e: Selectable<SearchEnginesTable>) {
  return {
    id: e.id,
    name: e.name,
    short: e.short,
    iconUrl: e.iconUrl,
    type: e.type as "generic" | "fromIntegration",
    urlTemplate: e.urlTemplate,
    description: e.description,
    integrationId: e.integrationId,
  };
}

export async function engineById(deps: Deps, caller: Caller, id: string) {
  const row = await visibleEngines(deps, caller).where("e.id", "=", id).executeTakeFirst();
  if (!row) throw missing();
  return engineView(row);
}

async function requireManage(deps: Deps, caller: Caller, id: string) {
  const row = await visibleEngines(deps, caller).where("e.id", "=", id).executeTakeFirst();
  if (!row) throw missing();
  requireCreatorOr(caller, row.createdBy, "search-engine-full-all");
  return row;
}

function conflictOnShort(e: unknown): never {
  if (constraintKind(e) === "unique") throw fieldError("CONFLICT", "short", "this short name is already used by another search engine");
  throw e;
}

export interface EngineInput {
  name: string;
  short: string;
  iconUrl: string;
  urlTemplate: string | null;
  description?: string | null;
  integrationId?: string | null;
}

export async function createEngine(deps: Deps, caller: Caller, input: EngineInput) {
  if (input.integrationId) {
    const ok = await accessibleIntegrations(deps.db, caller, input.integrationId).executeTakeFirst();
    if (!ok || Number(ok.level) < LEVELS.full) throw fieldError("BAD_REQUEST", "integrationId", "integration not found");
  } else if (!input.urlTemplate) {
    throw fieldError("BAD_REQUEST", "urlTemplate", "required for a search engine that is not linked to an integration");
  }
  const id = newId();
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
    .insertInto("searchEngines")
    .values({
      id,
      name: input.name,
      short: input.short,
      iconUrl: input.iconUrl,
      type: input.integrationId ? "fromIntegration" : "generic",
      urlTemplate: input.integrationId ? null : input.urlTemplate,
      description: input.description ?? null,
      integrationId: input.integrationId ?? null,
      createdBy: caller.user!.id,
      createdAt: Date.now(),
    })
    .execute();
    // Name and short name only: a URL template may carry a key of the searched site.
    await record({
      action: "searchEngine.create",
      target: { type: "searchEngine", id, name: input.name },
      ...(input.integrationId ? { integrationId: input.integrationId } : {}),
      changes: { name: input.name, short: input.short, integrationId: input.integrationId ?? null },
    });
  }).catch(conflictOnShort);
  return { id };
}

export async function updateEngine(deps: Deps, caller: Caller, input: { id: string } & Omit<EngineInput, "integrationId">) {
  const row = await requireManage(deps, caller, input.id);
  if (row.type === "generic" && !input.urlTemplate) {
    throw fieldError("BAD_REQUEST", "urlTemplate", "required for a search engine that is not linked to an integration");
  }
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
    .updateTable("searchEngines")
    .set({
      name: input.name,
      short: input.short,
      iconUrl: input.iconUrl,
      urlTemplate: row.type === "generic" ? input.urlTemplate : null,
      description: input.description ?? null,
    })
    .where("id", "=", input.id)
    .execute();
    const changes: Record<string, unknown> = {};
    if (row.name !== input.name) changes.name = { from: row.name, to: input.name };
    if (row.short !== input.short) changes.short = { from: row.short, to: input.short };
    if (row.type === "generic" && row.urlTemplate !== input.urlTemplate) changes.urlTemplate = "changed";
    await record({ action: "searchEngine.update", target: { type: "searchEngine", id: input.id, name: input.name }, ...(row.integrationId ? { integrationId: row.integrationId } : {}), changes });
  }).catch(conflictOnShort);
}

export async function deleteEngine(deps: Deps, caller: Caller, id: string) {
  const row = await requireManage(deps, caller, id);
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx.deleteFrom("searchEngines").where("id", "=", id).execute();
    await record({ action: "searchEngine.delete", target: { type: "searchEngine", id, name: row.name }, ...(row.integrationId ? { integrationId: row.integrationId } : {}) });
  });
}

