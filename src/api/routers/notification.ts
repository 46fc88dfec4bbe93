import { z } from "zod";
import * as svc from "../../services/notifications.js";
import { notificationDeliveryOutput, notificationListOutput, voidOutput } from "../outputs.js";
import { id, name } from "../../services/inputs.js";
import { requirePermission, router } from "../trpc.js";

const tags = ["notifications"];
const admin = requirePermission("admin");

/** A notification target's URL: absolute http(s), no user info (credentials go in `secret`). */
const targetUrl = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(2048, "must be at most 2048 characters")
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "must be an absolute http:// or https:// URL without a user name or password");
const type = z.enum(svc.TARGET_TYPES, { message: `must be one of: ${svc.TARGET_TYPES.join(", ")}` });
const secret = z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters");
const events = z.array(z.enum(svc.NOTIFICATION_EVENTS, { message: `must be one of: ${svc.NOTIFICATION_EVENTS.join(", ")}` })).max(8, "at most 8 events");

/** Notification targets (README, Health and notifications): admins only. */
export const notificationRouter = router({
  create: admin
    .meta({ openapi: { method: "POST", path: "/notifications", tags, summary: "Add a notification target" } })
    .input(z.object({ name, type, url: targetUrl, secret: secret.optional(), events: events.optional() }).strict())
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => svc.createTarget(ctx.deps, ctx.caller, input)),

  list: admin
    .meta({ openapi: { method: "GET", path: "/notifications", tags, summary: "Notification targets with their last deliveries", description: "Secrets are never returned, only hasSecret." } })
    .output(notificationListOutput)
    .query(({ ctx }) => svc.listTargets(ctx.deps)),

  update: admin
    .meta({ openapi: { method: "PUT", path: "/notifications/{id}", tags, summary: "Change a notification target", description: "Omitted fields stay; secret null removes it." } })
    .input(z.object({ id, name: name.optional(), type: type.optional(), url: targetUrl.optional(), secret: secret.nullable().optional(), events: events.optional() }).strict())
    .output(voidOutput)
    .mutation(async ({ ctx, input }) => svc.updateTarget(ctx.deps, ctx.caller, input)),

  delete: admin
    .meta({ openapi: { method: "DELETE", path: "/notifications/{id}", tags, summary: "Delete a notification target and its delivery records" } })
    .input(z.object({ id }))
    .output(voidOutput)
    .mutation(async ({ ctx, input }) => svc.deleteTarget(ctx.deps, ctx.caller, input.id)),

  test: admin
    .meta({ openapi: { method: "POST", path: "/notifications/{id}/test", tags, summary: "Send a test notification now", description: "One attempt, waited for; the answer is the recorded delivery." } })
    .input(z.object({ id }))
    .output(notificationDeliveryOutput)
    .mutation(({ ctx, input }) => svc.testTarget(ctx.deps, ctx.caller, input.id)),
});
