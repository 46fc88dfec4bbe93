import { z } from "zod";
import { LEVELS } from "../auth/permissions.js";
import { constraintKind } from "../db/index.js";
import { auditedTransaction } from "./audit.js";
import { fieldsError } from "./errors.js";
import { CAPABILITY_NAMES, type CapabilityName } from "../engine/capabilities.js";
import { accessibleIntegrations } from "./access.js";
import { kindsWith } from "./capabilities.js";
import type { Caller, Deps } from "./deps.js";

/**
 * Each user's dashboard layout, stored on the server (one JSON row per user): which cards in which order,
 * which integrations each card shows (null = every integration the user can use with that capability), and
 * the smart-home entities the user pinned. Layouts hold ids only, never data from a service.
 */

const idField = z.string().trim().min(1, "must not be empty").max(64, "is too long");
const entityId = z
  .string()
  .regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, "must be an entity id like light.kitchen")
  .max(255, "is too long");

export const cardSchema = z
  .object({
    capability: z.enum(CAPABILITY_NAMES),
    integrationIds: z.array(idField).max(100, "at most 100 integrations").nullable().default(null),
  })
  .strict();

export const layoutSchema = z
  .object({
    cards: z
      .array(cardSchema)
      .max(CAPABILITY_NAMES.length, `at most ${CAPABILITY_NAMES.length} cards`)
      .superRefine((cards, ctx) => {
        const seen = new Set<string>();
        cards.forEach((c, i) => {
          if (seen.has(c.capability)) ctx.addIssue({ code: "custom", path: [i, "capability"], message: "appears twice; each card at most once" });
          seen.add(c.capability);
        });
      }),
    pinnedEntities: z
      .array(z.object({ integrationId: idField, entityId }).strict())
      .max(100, "at most 100 pinned entities")
      .default([]),
    calendarView: z.enum(["agenda", "month"]).default("agenda"),
  })
  .strict();

export type Layout = z.output<typeof layoutSchema>;

/** A new user's dashboard: every card, every integration; what they cannot use simply stays empty. */
export const defaultLayout = (): Layout => ({
  cards: CAPABILITY_NAMES.map((capability) => ({ capability, integrationIds: null })),
  pinnedEntities: [],
  calendarView: "agenda",
});

/** The integration ids the caller can use, per capability whose kind they belong to. */
async function usable(deps: Deps, caller: Caller, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await accessibleIntegrations(deps.db, caller, [...new Set(ids)]).execute();
  return new Map(rows.filter((r) => Number(r.level) >= LEVELS.use).map((r) => [r.id, r.kind]));
}

function idsOf(layout: Layout): string[] {
  return [...layout.cards.flatMap((c) => c.integrationIds ?? []), ...layout.pinnedEntities.map((p) => p.integrationId)];
}

const fits = (kinds: Map<string, string>, id: string, capability: CapabilityName) => {
  const kind = kinds.get(id);
  return kind !== undefined && kindsWith(capability).includes(kind);
};

/**
 * The caller's layout. Integrations the caller can no longer use (or that were deleted) are left out, so
 * the layout never names something the user may not see and never makes a card's read fail.
 */
export async function getLayout(deps: Deps, caller: Caller): Promise<{ saved: boolean; layout: Layout }> {
  const row = await deps.db.selectFrom("dashboardLayouts").select("layout").where("userId", "=", caller.user!.id).executeTakeFirst();
  let layout = defaultLayout();
  if (row) {
    const parsed = layoutSchema.safeParse(safeJson(row.layout));
    if (parsed.success) layout = parsed.data;
    else deps.log.warn({ userId: caller.user!.id }, "stored dashboard layout does not fit the schema; showing the default");
  }
  const kinds = await usable(deps, caller, idsOf(layout));
  return {
    saved: Boolean(row),
    layout: {
      ...layout,
      cards: layout.cards.map((c) => ({ ...c, integrationIds: c.integrationIds && c.integrationIds.filter((id) => fits(kinds, id, c.capability)) })),
      pinnedEntities: layout.pinnedEntities.filter((p) => fits(kinds, p.integrationId, "smartHome")),
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Saves the whole layout. Every integration id must be one the caller can use and whose kind has the card's
 * capability; otherwise BAD_REQUEST naming the field (nothing written). The same answer for "missing" and
 * "not yours", so ids cannot be probed.
 */
export async function saveLayout(deps: Deps, caller: Caller, layout: Layout): Promise<void> {
  const kinds = await usable(deps, caller, idsOf(layout));
  const problems: { path: string; message: string }[] = [];
  layout.cards.forEach((c, i) =>
    c.integrationIds?.forEach((id, j) => {
      if (!fits(kinds, id, c.capability)) problems.push({ path: `cards[${i}].integrationIds[${j}]`, message: `no integration you can use with ${c.capability} has this id` });
    }),
  );
  layout.pinnedEntities.forEach((p, i) => {
    if (!fits(kinds, p.integrationId, "smartHome")) problems.push({ path: `pinnedEntities[${i}].integrationId`, message: "no smart-home integration you can use has this id" });
  });
  if (problems.length) throw fieldsError("BAD_REQUEST", problems);

  const userId = caller.user!.id;
  const values = { layout: JSON.stringify(layout), updatedAt: Date.now() };
  const write = () =>
    auditedTransaction(deps.db, caller.actor, async (trx, record) => {
      // Looked up rather than judged by numUpdatedRows: MySQL counts an update to identical values as 0 rows.
      const exists = await trx.selectFrom("dashboardLayouts").select("userId").where("userId", "=", userId).executeTakeFirst();
      if (exists) await trx.updateTable("dashboardLayouts").set(values).where("userId", "=", userId).execute();
      else await trx.insertInto("dashboardLayouts").values({ userId, ...values }).execute();
      await record({ action: "dashboard.saveLayout", target: { type: "user", id: userId, name: caller.user!.username }, changes: { cards: layout.cards.map((c) => c.capability) } });
    });
  try {
    await write();
  } catch (e) {
    // Two first saves at once: the other one inserted the row; this one now updates it.
    if (constraintKind(e) !== "unique") throw e;
    await write();
  }
}
