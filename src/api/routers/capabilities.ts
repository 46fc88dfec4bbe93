import { z } from "zod";
import type { CapabilityName } from "../../engine/capabilities.js";
import * as svc from "../../services/capabilities.js";
import { CAPABILITIES as C, type ActionDef, type ReadDef } from "../../services/capability-table.js";
import { id } from "../../services/inputs.js";
import { protectedProcedure, router } from "../trpc.js";

/**
 * The capability routers of docs/capabilities.md, generated from the table in src/services/capability-table.ts:
 * each read is a query (POST /api/capabilities/<router>/<read> over REST: its inputs include arrays), with a
 * `watch` subscription (SSE) of the same input; each action a mutation (POST). The rules live in
 * src/services/capabilities.ts.
 */

const integrationIds = z
  .array(id)
  .min(1, "give at least one id, or leave integrationIds out for every integration you can use")
  .max(100, "at most 100 ids")
  .optional()
  .describe("Integrations to read, in this order; omitted → every integration you can use that has this capability");

const integrationRef = z.object({ id: z.string(), name: z.string(), kind: z.string() });
const errorOutput = z
  .object({ code: z.string().meta({ description: "A connection-test code: CONNECTION_REFUSED, INVALID_CREDENTIALS, TIMEOUT, …" }), message: z.string() })
  .meta({ id: "CapabilityError" });

function envelopes<D extends z.ZodType>(data: D) {
  return z.array(
    z.union([
      z.object({ integration: integrationRef, updatedAt: z.date().meta({ description: "When the service answered (ISO 8601 in REST)" }), data }),
      z.object({ integration: integrationRef, error: errorOutput }),
    ]),
  );
}

/** A read's input schema (strict, with its cross-field check); `extra` adds fields (watch: intervalMs; dashboard: capability). */
export function readInput<S extends z.ZodRawShape, X extends z.ZodRawShape>(def: ReadDef<S>, extra: X) {
  const base = z.object({ integrationIds, ...def.input, ...extra }).strict();
  const check = def.check;
  if (!check) return base;
  return base.superRefine((value, ctx) => {
    const problem = check(value as never);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.path], message: problem.message });
  });
}

const tagOf = (cap: CapabilityName) => `capabilities: ${cap}`;

function read<S extends z.ZodRawShape, D extends z.ZodType>(cap: CapabilityName, def: ReadDef<S, D>) {
  const spec = { capability: cap, read: def.name, data: def.data };
  return protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: `/capabilities/${cap}/${def.name}`,
        tags: [tagOf(cap)],
        summary: def.summary,
        description: `${C[cap].services}. Needs use access. One envelope per integration, in input order: {integration, updatedAt, data} or {integration, error:{code, message}}. An id you cannot use (or without this capability) is 404 for the whole call.`,
      },
    })
    .input(readInput(def, {}))
    .output(envelopes(def.data))
    .query(({ ctx, input }) => {
      const { integrationIds: ids, ...params } = input as { integrationIds?: string[] } & Record<string, unknown>;
      // Validated against `envelopes(def.data)` by .output() on the way out.
      return svc.readCapability(ctx.deps, ctx.caller, spec, ids, params) as Promise<never>;
    });
}

function watch<S extends z.ZodRawShape, D extends z.ZodType>(cap: CapabilityName, def: ReadDef<S, D>) {
  const spec = { capability: cap, read: def.name, data: def.data };
  const input = readInput(def, { intervalMs: z.number().int().min(1_000).max(60_000).default(5_000).describe("Milliseconds between emissions (1000–60000, default 5000)") });
  return protectedProcedure.input(input).subscription(async function* ({ ctx, input, signal }) {
    const { integrationIds: ids, intervalMs, ...params } = input as { integrationIds?: string[]; intervalMs: number } & Record<string, unknown>;
    for await (const batch of svc.watchCapability(ctx.deps, ctx.caller, spec, ids, params, intervalMs, signal)) {
      yield batch as z.output<ReturnType<typeof envelopes<D>>>;
    }
  });
}

function action<S extends z.ZodRawShape, R extends z.ZodRawShape>(cap: CapabilityName, name: string, def: ActionDef<S, R>) {
  const spec = { capability: cap, action: name };
  return protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: `/capabilities/${cap}/${name}`,
        tags: [tagOf(cap)],
        summary: def.summary,
        description: `${def.does} Needs interact access (use only → 403; no access → 404). Answers {ok: true} once the service confirmed it, or {error:{code, message}}.`,
      },
    })
    .input(z.object(def.input).strict())
    .output(z.union([z.object({ ok: z.literal(true), ...def.result }), z.object({ error: errorOutput })]))
    .mutation(({ ctx, input }) => {
      const { integrationId, ...params } = input as { integrationId: string } & Record<string, unknown>;
      return svc.runAction(ctx.deps, ctx.caller, spec, integrationId, params) as Promise<never>;
    });
}

export const capabilityRouters = {
  downloads: router({
    queue: read("downloads", C.downloads.read),
    watch: watch("downloads", C.downloads.read),
    pause: action("downloads", "pause", C.downloads.actions.pause),
    resume: action("downloads", "resume", C.downloads.actions.resume),
    remove: action("downloads", "remove", C.downloads.actions.remove),
  }),
  dnsHole: router({
    summary: read("dnsHole", C.dnsHole.read),
    watch: watch("dnsHole", C.dnsHole.read),
    enable: action("dnsHole", "enable", C.dnsHole.actions.enable),
    disable: action("dnsHole", "disable", C.dnsHole.actions.disable),
  }),
  mediaRequests: router({
    list: read("mediaRequests", C.mediaRequests.read),
    watch: watch("mediaRequests", C.mediaRequests.read),
    approve: action("mediaRequests", "approve", C.mediaRequests.actions.approve),
    decline: action("mediaRequests", "decline", C.mediaRequests.actions.decline),
  }),
  mediaServer: router({
    sessions: read("mediaServer", C.mediaServer.read),
    watch: watch("mediaServer", C.mediaServer.read),
  }),
  calendar: router({
    events: read("calendar", C.calendar.read),
    watch: watch("calendar", C.calendar.read),
  }),
  indexers: router({
    list: read("indexers", C.indexers.read),
    watch: watch("indexers", C.indexers.read),
    testAll: action("indexers", "testAll", C.indexers.actions.testAll),
  }),
  smartHome: router({
    states: read("smartHome", C.smartHome.read),
    watch: watch("smartHome", C.smartHome.read),
    toggle: action("smartHome", "toggle", C.smartHome.actions.toggle),
    turnOn: action("smartHome", "turnOn", C.smartHome.actions.turnOn),
    turnOff: action("smartHome", "turnOff", C.smartHome.actions.turnOff),
    trigger: action("smartHome", "trigger", C.smartHome.actions.trigger),
  }),
  monitoring: router({
    status: read("monitoring", C.monitoring.read),
    watch: watch("monitoring", C.monitoring.read),
  }),
  transcoding: router({
    status: read("transcoding", C.transcoding.read),
    watch: watch("transcoding", C.transcoding.read),
  }),
};
