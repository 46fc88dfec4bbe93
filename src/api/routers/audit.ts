import { z } from "zod";
import { LEVELS } from "../../auth/permissions.js";
import { requireIntegration } from "../../services/access.js";
import { listAudit } from "../../services/audit.js";
import { dateParam, id } from "../../services/inputs.js";
import { protectedProcedure, requirePermission, router } from "../trpc.js";

/** The audit log (README "Audit log"): admins read all of it; an integration's full users read its history. */

const limit = z.number().int().min(1, "must be at least 1").max(200, "must be at most 200").default(50);
const cursor = z.string().min(1).max(200).nullish();

const entryOutput = z.object({
  id: z.string(),
  at: z.date().meta({ description: "When (a Date over tRPC/superjson; an ISO 8601 string in REST/JSON)" }),
  actor: z.object({ type: z.enum(["user", "apiKey", "operator", "provisioning"]), id: z.string().optional(), name: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string(), name: z.string().optional() }).optional(),
  ip: z.string().optional(),
  changes: z.record(z.string(), z.unknown()).optional(),
  outcome: z.enum(["ok", "error"]),
});
const pageOutput = z.object({ items: z.array(entryOutput), nextCursor: z.string().nullable() });
const tags = ["audit"];

export const auditRouter = router({
  list: requirePermission("admin")
    .meta({
      openapi: {
        method: "GET",
        path: "/audit",
        tags,
        summary: "The audit log, newest first",
        description: "Needs admin. Filters combine; `from`/`to` are ISO 8601 date-times (`to` inclusive); pass `nextCursor` as `cursor` for the next page.",
      },
    })
    .input(
      z
        .object({
          limit,
          cursor,
          actorId: id.optional(),
          integrationId: id.optional(),
          action: z.string().trim().min(1, "must not be empty").max(64, "must be at most 64 characters").optional(),
          from: dateParam.optional(),
          to: dateParam.optional(),
        })
        .strict()
        .refine((v) => !v.from || !v.to || v.from.getTime() <= v.to.getTime(), { path: ["to"], message: "must not be before from" })
        .default({ limit: 50 }),
    )
    .output(pageOutput)
    .query(({ ctx, input }) => listAudit(ctx.deps.db, { ...input, cursor: input.cursor ?? undefined })),

  // Same NOT_FOUND for "missing" and "not full" (services/access.ts): ids cannot be probed.
  integration: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations/{integrationId}/audit", tags, summary: "One integration's history, newest first", description: "Needs full access to the integration." } })
    .input(z.object({ integrationId: id, limit, cursor }).strict())
    .output(pageOutput)
    .query(async ({ ctx, input }) => {
      await requireIntegration(ctx.deps.db, ctx.caller, input.integrationId, LEVELS.full);
      return listAudit(ctx.deps.db, { integrationId: input.integrationId, limit: input.limit, cursor: input.cursor ?? undefined });
    }),
});
