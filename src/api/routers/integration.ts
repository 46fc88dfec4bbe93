import { z } from "zod";
import { catalogView } from "../../kinds/index.js";
import { CATEGORIES } from "../../engine/types.js";
import * as svc from "../../services/integrations.js";
import * as health from "../../services/health.js";
import * as access from "../../services/access.js";
import {
  idKindListOutput,
  integrationDetailOutput,
  integrationListOutput,
  integrationPermissionsOutput,
  healthHistoryOutput,
  healthOutput,
  kindsOutput,
  searchResultsOutput,
  testConnectionOutput,
  voidOutput,
  writeResultOutput,
} from "../outputs.js";
import { createIntegrationInput, dateParam, id, keptSecrets, name, permissionLevel, serviceUrl } from "../../services/inputs.js";
import { protectedProcedure, publicProcedure, requirePermission, router } from "../trpc.js";

const permissionsInput = z
  .object({
    entityId: id,
    permissions: z.array(z.object({ principalId: id, permission: permissionLevel }).strict()).max(1000, "at most 1000 entries"),
  })
  .strict();

const tags = ["integrations"];
// A Date over tRPC (superjson), an ISO 8601 string over REST; an invalid one is a 400 naming the field.

/**
 * The Integrations API (seed + docs/api.md, "The `integration` router"). Thin: validation here, rules in services/integrations.ts.
 * `.meta({openapi})` + `.output()` also expose each procedure as REST (src/server/rest-routes.ts, /api/openapi.json).
 */
export const integrationRouter = router({
  all: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations", tags, summary: "Every integration the caller can at least use", description: "Sorted by kind (catalog order), then name." } })
    .output(integrationListOutput)
    .query(({ ctx }) => svc.listIntegrations(ctx.deps, ctx.caller)),

  allOfGivenCategory: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations/categories/{category}", tags, summary: "Integrations of one category the caller can use" } })
    .output(integrationListOutput)
    .input(z.object({ category: z.enum(CATEGORIES, { message: `must be one of: ${CATEGORIES.join(", ")}` }) }))
    .query(({ ctx, input }) => svc.listOfCategory(ctx.deps, ctx.caller, input.category)),

  allThatSupportSearch: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations/searchable", tags, summary: "Integrations the caller can use whose kind supports search" } })
    .output(integrationListOutput)
    .query(({ ctx }) => svc.listSearchable(ctx.deps, ctx.caller)),

  search: protectedProcedure
    .meta({
      openapi: { method: "GET", path: "/integrations/search", tags, summary: "Integrations whose name contains the query", description: "Case-insensitive; % and _ match themselves; sorted by name." },
    })
    .output(integrationListOutput)
    .input(z.object({ query: z.string().max(127, "must be at most 127 characters"), limit: z.number().int().min(1).max(100).default(10) }))
    .query(({ ctx, input }) => svc.searchIntegrations(ctx.deps, ctx.caller, input.query.trim(), input.limit)),

  byId: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations/{id}", tags, summary: "One integration with its secrets (values only for public kinds) and app", description: "Needs full access." } })
    .input(z.object({ id }))
    .output(integrationDetailOutput)
    .query(({ ctx, input }) => svc.integrationById(ctx.deps, ctx.caller, input.id)),

  // An array input cannot be a trpc-to-openapi route: POST /integrations/by-ids is declared in src/server/rest-routes.ts.
  byIds: publicProcedure
    .output(idKindListOutput)
    .input(z.array(id).max(100, "at most 100 ids")).query(({ ctx, input }) => svc.integrationsByIds(ctx.deps, input)),

  getIntegrationPermissions: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations/{id}/permissions", tags, summary: "The integration's user, group and inherited permissions", description: "Needs full access." } })
    .input(z.object({ id }))
    .output(integrationPermissionsOutput)
    .query(({ ctx, input }) => access.integrationPermissions(ctx.deps, ctx.caller, input.id)),

  create: requirePermission("integration-create")
    .meta({
      openapi: {
        method: "POST",
        path: "/integrations",
        tags,
        summary: "Create an integration (tested first)",
        description:
          "Needs integration-create (and app-create for a new app). `secrets` must match exactly one of the kind's secretOptions (alternatives, see GET /kinds). The connection test runs first: on failure the answer is {error} and nothing is written; on success {id} (and searchEngineId).",
      },
    })
    .output(writeResultOutput)
    .input(createIntegrationInput)
    .mutation(({ ctx, input }) => svc.createIntegration(ctx.deps, ctx.caller, { ...input, app: input.app ?? undefined })),

  update: protectedProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/integrations/{id}",
        tags,
        summary: "Update an integration (tested first)",
        description: "Needs full access. A secret with value null keeps the stored one, a string replaces it, an omitted kind is removed. {id} or {error} (then nothing is written).",
      },
    })
    .input(z.object({ id, name, url: serviceUrl, secrets: keptSecrets, appId: id.nullish() }).strict())
    .output(writeResultOutput)
    .mutation(({ ctx, input }) => svc.updateIntegration(ctx.deps, ctx.caller, input)),

  delete: protectedProcedure
    .meta({ openapi: { method: "DELETE", path: "/integrations/{id}", tags, summary: "Delete an integration with its secrets, permissions and search engines", description: "Needs full access. A linked app stays." } })
    .input(z.object({ id }))
    .output(voidOutput)
    .mutation(async ({ ctx, input }) => {
    await svc.deleteIntegration(ctx.deps, ctx.caller, input.id);
  }),

  saveUserIntegrationPermissions: protectedProcedure
    .meta({ openapi: { method: "PUT", path: "/integrations/{entityId}/permissions/users", tags, summary: "Replace the user permissions of an integration", description: "Needs full access. Duplicates collapse to the highest level." } })
    .input(permissionsInput)
    .output(voidOutput)
    .mutation(async ({ ctx, input }) => access.savePermissions(ctx.deps, ctx.caller, "user", input)),

  saveGroupIntegrationPermissions: protectedProcedure
    .meta({ openapi: { method: "PUT", path: "/integrations/{entityId}/permissions/groups", tags, summary: "Replace the group permissions of an integration", description: "Needs full access. Duplicates collapse to the highest level." } })
    .input(permissionsInput)
    .output(voidOutput)
    .mutation(async ({ ctx, input }) => access.savePermissions(ctx.deps, ctx.caller, "group", input)),

  searchInIntegration: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/integrations/{integrationId}/search",
        tags,
        summary: "Search inside the service behind an integration",
        description: "Needs use access; the kind must support search. An unreachable service answers 502, a too slow one 504, with the connection-test error in `upstream`.",
        errorResponses: { 400: "Invalid input, or the kind does not support search", 401: "No API key", 404: "Integration not found", 502: "The service failed", 504: "The service did not answer in time" },
      },
    })
    .output(searchResultsOutput)
    .input(
      z.object({
        integrationId: id,
        query: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
        limit: z.number().int().min(1).max(100).optional(),
      }),
    )
    .query(({ ctx, input }) => svc.searchInIntegration(ctx.deps, ctx.caller, input)),

  health: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/integrations/{id}/health",
        tags,
        summary: "Current health and its history",
        description: "Needs use access. `from`/`to` (default: the last 7 days) bound the state changes and hourly aggregates returned.",
      },
    })
    .input(z.object({ id, from: dateParam.optional(), to: dateParam.optional() }))
    .output(healthHistoryOutput)
    .query(({ ctx, input }) => health.integrationHealth(ctx.deps, ctx.caller, input)),

  checkNow: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/integrations/{id}/health/check", tags, summary: "Run the connection test now and record it", description: "Needs interact access." } })
    .input(z.object({ id }))
    .output(healthOutput)
    .mutation(({ ctx, input }) => health.checkNow(ctx.deps, ctx.caller, input.id)),

  getKinds: publicProcedure
    .meta({ openapi: { method: "GET", path: "/kinds", tags: ["kinds"], summary: "The catalog of integration kinds", protect: false } })
    .output(kindsOutput)
    .query(() => catalogView()),

  // A union input cannot be a trpc-to-openapi route: POST /integrations/test is declared in src/server/rest-routes.ts.
  testConnection: protectedProcedure
    .output(testConnectionOutput)
    .input(
      z.union([
        createIntegrationInput.pick({ kind: true, url: true, secrets: true }),
        z.object({ id, url: serviceUrl.optional(), secrets: keptSecrets.optional() }).strict(),
      ]),
    )
    .mutation(({ ctx, input }) => svc.testConnection(ctx.deps, ctx.caller, input)),
});
