import { z } from "zod";
import * as apps from "../../services/apps.js";
import * as certs from "../../services/certificates.js";
import * as engines from "../../services/search-engines.js";
import { appFields, iconUrl, id, name } from "../schemas.js";
import { protectedProcedure, requirePermission, router } from "../trpc.js";

export const appsRouter = router({
  all: protectedProcedure.query(({ ctx }) => apps.listApps(ctx.deps)),
  byId: protectedProcedure.input(z.object({ id })).query(({ ctx, input }) => apps.appById(ctx.deps, input.id)),
  create: requirePermission("app-create").input(appFields.strict()).mutation(({ ctx, input }) => apps.createApp(ctx.deps, ctx.caller, input)),
  update: protectedProcedure.input(appFields.extend({ id }).strict()).mutation(({ ctx, input }) => apps.updateApp(ctx.deps, ctx.caller, input)),
  delete: protectedProcedure.input(z.object({ id })).mutation(({ ctx, input }) => apps.deleteApp(ctx.deps, ctx.caller, input.id)),
});

const short = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(32, "must be at most 32 characters")
  .regex(/^[a-z0-9_-]+$/i, "may contain letters, digits, _ and - only");
const urlTemplate = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => /^https?:\/\//i.test(v) && v.includes("%s"), "must be an http(s) URL containing %s where the query goes");
const engineFields = z.object({ name, short, iconUrl, urlTemplate: urlTemplate.nullish(), description: z.string().trim().max(512).nullish() });

export const searchEngineRouter = router({
  all: protectedProcedure.query(({ ctx }) => engines.listEngines(ctx.deps, ctx.caller)),
  byId: protectedProcedure.input(z.object({ id })).query(({ ctx, input }) => engines.engineById(ctx.deps, ctx.caller, input.id)),
  search: protectedProcedure
    .input(z.object({ query: z.string().max(127), limit: z.number().int().min(1).max(100).default(10) }))
    .query(({ ctx, input }) => engines.searchEngines(ctx.deps, ctx.caller, input.query.trim(), input.limit)),
  create: requirePermission("search-engine-create")
    .input(engineFields.extend({ integrationId: id.nullish() }).strict())
    .mutation(({ ctx, input }) => engines.createEngine(ctx.deps, ctx.caller, { ...input, urlTemplate: input.urlTemplate ?? null })),
  update: protectedProcedure
    .input(engineFields.extend({ id }).strict())
    .mutation(({ ctx, input }) => engines.updateEngine(ctx.deps, ctx.caller, { ...input, urlTemplate: input.urlTemplate ?? null })),
  delete: protectedProcedure.input(z.object({ id })).mutation(({ ctx, input }) => engines.deleteEngine(ctx.deps, ctx.caller, input.id)),
});

/** Certificates the admin trusts for outbound HTTPS (self-signed services). */
export const certificateRouter = router({
  all: requirePermission("admin").query(({ ctx }) => certs.listCertificates(ctx.deps)),
  trust: requirePermission("admin")
    .input(z.object({ pem: z.string().min(1, "must not be empty").max(20_000, "is too long") }))
    .mutation(({ ctx, input }) => certs.trustCertificate(ctx.deps, input.pem)),
  remove: requirePermission("admin").input(z.object({ id })).mutation(({ ctx, input }) => certs.removeCertificate(ctx.deps, input.id)),
});
