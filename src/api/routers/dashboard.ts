import { z } from "zod";
import * as svc from "../../services/dashboard.js";
import { protectedProcedure, router } from "../trpc.js";

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
});
