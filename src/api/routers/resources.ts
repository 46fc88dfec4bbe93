import { z } from "zod";
import * as apps from "../../services/apps.js";
import * as certs from "../../services/certificates.js";
import * as engines from "../../services/search-engines.js";
import { appListOutput, appOutput, idOutput, searchEngineListOutput, searchEngineOutput, voidOutput } from "../outputs.js";
import { appFields, iconUrl, id, name, searchEngineShort } from "../../services/inputs.js";
import { protectedProcedure, requirePermission, router } from "../trpc.js";

export const appsRouter = router({
  all: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/apps", tags: ["apps"], summary: "Every app" } })
    .output(appListOutput)
    .query(({ ctx }) => apps.listApps(ctx.deps)),
  byId: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/apps/{id}", tags: ["apps"], summary: "One app" } })
    .input(z.object({ id }))
    .output(appOutput)
    .query(({ ctx, input }) => apps.appById(ctx.deps, input.id)),
  create: requirePermission("app-create")
    .meta({ openapi: { method: "POST", path: "/apps", tags: ["apps"], summary: "Create an app (needs app-create)" } })
    .input(appFields.strict())
    .output(idOutput)
    .mutation(({ ctx, input }) => apps.createApp(ctx.deps, ctx.caller, input)),
  update: protectedProcedure
    .meta({ openapi: { method: "PUT", path: "/apps/{id}", tags: ["apps"], summary: "Update an app (needs app-full-all, or having created it)" } })
    .input(appFields.extend({ id }).strict())
    .output(voidOutput)
    .mutation(({ ctx, input }) => apps.updateApp(ctx.deps, ctx.caller, input)),
  delete: protectedProcedure
    .meta({ openapi: { method: "DELETE", path: "/apps/{id}", tags: ["apps"], summary: "Delete an app; linked integrations stay, unlinked" } })
    .input(z.object({ id }))
    .output(voidOutput)
    .mutation(({ ctx, input }) => apps.deleteApp(ctx.deps, ctx.caller, input.id)),
});

const urlTemplate = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => /^https?:\/\//i.test(v) && v.includes("%s"), "must be an http(s) URL containing %s where the query goes");
const engineFields = z.object({ name, short: searchEngineShort, iconUrl, urlTemplate: urlTemplate.nullish(), description: z.string().trim().max(512).nullish() });

export const searchEngineRouter = router({
  all: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/search-engines", tags: ["search engines"], summary: "Search engines the caller can see" } })
    .output(searchEngineListOutput)
    .query(({ ctx }) => engines.listEngines(ctx.deps, ctx.caller)),
  byId: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/search-engines/{id}", tags: ["search engines"], summary: "One search engine" } })
    .input(z.object({ id }))
    .output(searchEngineOutput)
    .query(({ ctx, input }) => engines.engineById(ctx.deps, ctx.caller, input.id)),
  search: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/search-engines/search", tags: ["search engines"], summary: "Search engines whose name or short name contains the query" } })
    .output(searchEngineListOutput)
    .input(z.object({ query: z.string().max(127), limit: z.number().int().min(1).max(100).default(10) }))
    .query(({ ctx, input }) => engines.searchEngines(ctx.deps, ctx.caller, input.query.trim(), input.limit)),
  create: requirePermission("search-engine-create")
    .meta({ openapi: { method: "POST", path: "/search-engines", tags: ["search engines"], summary: "Create a search engine (needs search-engine-create)" } })
    .output(idOutput)
    .input(engineFields.extend({ integrationId: id.nullish() }).strict())
    .mutation(({ ctx, input }) => engines.createEngine(ctx.deps, ctx.caller, { ...input, urlTemplate: input.urlTemplate ?? null })),
  update: protectedProcedure
    .meta({ openapi: { method: "PUT", path: "/search-engines/{id}", tags: ["search engines"], summary: "Update a search engine" } })
    .input(engineFields.extend({ id }).strict())
    .output(voidOutput)
    .mutation(({ ctx, input }) => engines.updateEngine(ctx.deps, ctx.caller, { ...input, urlTemplate: input.urlTemplate ?? null })),
  delete: protectedProcedure
    .meta({ openapi: { method: "DELETE", path: "/search-engines/{id}", tags: ["search engines"], summary: "Delete a search engine" } })
    .input(z.object({ id }))
    .output(voidOutput)
    .mutation(({ ctx, input }) => engines.deleteEngine(ctx.deps, ctx.caller, input.id)),
});

/** Certificates the admin trusts for outbound HTTPS (self-signed services). */
export const certificateRouter = router({
  all: requirePermission("admin").query(({ ctx }) => certs.listCertificates(ctx.deps)),
  trust: requirePermission("admin")
    .input(z.object({ pem: z.string().min(1, "must not be empty").max(20_000, "is too long") }))
    .mutation(({ ctx, input }) => certs.trustCertificate(ctx.deps, ctx.caller, input.pem)),
  remove: requirePermission("admin").input(z.object({ id })).mutation(({ ctx, input }) => certs.removeCertificate(ctx.deps, ctx.caller, input.id)),
});
