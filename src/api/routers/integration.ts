import { z } from "zod";
import { kindIds, catalogView } from "../../catalog/index.js";
import { CATEGORIES } from "../../integrations/types.js";
import * as svc from "../../services/integrations.js";
import { appFields, id, name, permissionLevel, secretKind, secretValue, serviceUrl } from "../schemas.js";
import { protectedProcedure, publicProcedure, requirePermission, router } from "../trpc.js";

const kind = z.string().refine((k) => (kindIds as string[]).includes(k), { message: `unknown integration kind; see integration.getKinds` });
const newSecrets = z.array(z.object({ kind: secretKind, value: secretValue }).strict()).max(8, "at most 8 secrets");
const keptSecrets = z.array(z.object({ kind: secretKind, value: secretValue.nullable() }).strict()).max(8, "at most 8 secrets");
const permissionsInput = z
  .object({
    entityId: id,
    permissions: z.array(z.object({ principalId: id, permission: permissionLevel }).strict()).max(1000, "at most 1000 entries"),
  })
  .strict();

/** The Integrations API (seed + contract §4). Thin: validation here, rules in services/integrations.ts. */
export const integrationRouter = router({
  all: protectedProcedure.query(({ ctx }) => svc.listIntegrations(ctx.deps, ctx.caller)),

  allOfGivenCategory: protectedProcedure
    .input(z.object({ category: z.enum(CATEGORIES, { message: `must be one of: ${CATEGORIES.join(", ")}` }) }))
    .query(({ ctx, input }) => svc.listOfCategory(ctx.deps, ctx.caller, input.category)),

  allThatSupportSearch: protectedProcedure.query(({ ctx }) => svc.listSearchable(ctx.deps, ctx.caller)),

  search: protectedProcedure
    .input(z.object({ query: z.string().max(127, "must be at most 127 characters"), limit: z.number().int().min(1).max(100).default(10) }))
    .query(({ ctx, input }) => svc.searchIntegrations(ctx.deps, ctx.caller, input.query.trim(), input.limit)),

  byId: protectedProcedure.input(z.object({ id })).query(({ ctx, input }) => svc.integrationById(ctx.deps, ctx.caller, input.id)),

  byIds: publicProcedure.input(z.array(id).max(100, "at most 100 ids")).query(({ ctx, input }) => svc.integrationsByIds(ctx.deps, input)),

  getIntegrationPermissions: protectedProcedure
    .input(z.object({ id }))
    .query(({ ctx, input }) => svc.integrationPermissions(ctx.deps, ctx.caller, input.id)),

  create: requirePermission("integration-create")
    .input(
      z
        .object({
          name,
          kind,
          url: serviceUrl,
          secrets: newSecrets,
          app: z.union([z.object({ id }).strict(), appFields.strict()]).nullish(),
          attemptSearchEngineCreation: z.boolean().optional(),
        })
        .strict(),
    )
    .mutation(({ ctx, input }) => svc.createIntegration(ctx.deps, ctx.caller, { ...input, app: input.app ?? undefined })),

  update: protectedProcedure
    .input(z.object({ id, name, url: serviceUrl, secrets: keptSecrets, appId: id.nullish() }).strict())
    .mutation(({ ctx, input }) => svc.updateIntegration(ctx.deps, ctx.caller, input)),

  delete: protectedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    await svc.deleteIntegration(ctx.deps, ctx.caller, input.id);
  }),

  saveUserIntegrationPermissions: protectedProcedure
    .input(permissionsInput)
    .mutation(async ({ ctx, input }) => svc.savePermissions(ctx.deps, ctx.caller, "user", input)),

  saveGroupIntegrationPermissions: protectedProcedure
    .input(permissionsInput)
    .mutation(async ({ ctx, input }) => svc.savePermissions(ctx.deps, ctx.caller, "group", input)),

  searchInIntegration: protectedProcedure
    .input(
      z.object({
        integrationId: id,
        query: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
        limit: z.number().int().min(1).max(100).optional(),
      }),
    )
    .query(({ ctx, input }) => svc.searchInIntegration(ctx.deps, ctx.caller, input)),

  getKinds: publicProcedure.query(() => catalogView()),

  testConnection: protectedProcedure
    .input(
      z.union([
        z.object({ kind, url: serviceUrl, secrets: newSecrets }).strict(),
        z.object({ id, url: serviceUrl.optional(), secrets: keptSecrets.optional() }).strict(),
      ]),
    )
    .mutation(({ ctx, input }) => svc.testConnection(ctx.deps, ctx.caller, input)),
});
