import { z } from "zod";
import { CAPABILITY_NAMES, type CapabilityName } from "../../engine/capabilities.js";
import * as svc from "../../services/dashboard.js";
import { watchCards } from "../../services/dashboard-watch.js";
import { CAPABILITIES } from "../../services/capability-table.js";
import { protectedProcedure, router } from "../trpc.js";
import { readInput } from "./capabilities.js";

/** One card's read: `capability` plus exactly that read's input (docs/capabilities.md §2). */
const cardInput = z.discriminatedUnion(
  "capability",
  CAPABILITY_NAMES.map((c) => readInput(CAPABILITIES[c].read, { capability: z.literal(c) })) as never as [z.ZodObject, z.ZodObject, ...z.ZodObject[]],
);
const watchInput = z
  .object({
    cards: z
      .array(cardInput)
      .min(1, "give at least one card")
      .max(CAPABILITY_NAMES.length, `at most ${CAPABILITY_NAMES.length} cards`)
      .superRefine((cards, ctx) => {
        const seen = new Set<unknown>();
        cards.forEach((c, i) => {
          const cap = (c as { capability: unknown }).capability;
          if (seen.has(cap)) ctx.addIssue({ code: "custom", path: [i, "capability"], message: "appears twice; each card at most once" });
          seen.add(cap);
        });
      }),
    intervalMs: z.number().int().min(1_000).max(60_000).default(5_000),
  })
  .strict();

/** The signed-in user's own dashboard layout (src/services/dashboard.ts); nobody reads or writes another's. */
export const dashboardRouter = router({
  getLayout: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/dashboard/layout", tags: ["dashboard"], summary: "Your dashboard layout (the default until you save one)" } })
    .input(z.object({}).strict().optional())
    .output(z.object({ saved: z.boolean(), layout: svc.layoutSchema }))
    .query(({ ctx }) => svc.getLayout(ctx.deps, ctx.caller)),
  saveLayout: protectedProcedure
    .meta({ openapi: { method: "PUT", path: "/dashboard/layout", tags: ["dashboard"], summary: "Save your dashboard layout: cards in order, their integrations, pinned smart-home entities" } })
    .input(svc.layoutSchema)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await svc.saveLayout(ctx.deps, ctx.caller, input);
      return { ok: true as const };
    }),
  /**
   * Every card's `<router>.watch` in one SSE stream (a browser allows 6 connections per origin): emits
   * `{capability, envelopes}` per card as its envelopes arrive, or `{capability, error}` when a card's read fails
   * as a whole. Same rules as each capability's own watch (use access, re-checked on every emission).
   */
  watch: protectedProcedure.input(watchInput).subscription(async function* ({ ctx, input, signal }) {
    const cards = input.cards.map((c) => {
      const { capability, integrationIds, ...params } = c as { capability: CapabilityName; integrationIds?: string[] } & Record<string, unknown>;
      return { capability, integrationIds, params };
    });
    yield* watchCards(ctx.deps, ctx.caller, cards, input.intervalMs, signal);
  }),
});
