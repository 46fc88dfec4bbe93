import { appRouter } from "../api/root.js";
import { createCallerFactory, type Context } from "../api/trpc.js";

/** The procedures by dotted path ("integration.byId"), for the surfaces that are not tRPC's own adapter (REST, MCP). */

/** Every procedure by dotted path, from the router object's own properties (sub-routers are objects, procedures functions). */
export function procedureRecord(router: object = appRouter, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(router)) {
    if (key.startsWith("_") || key === "createCaller") continue; // the router's own members, not procedures
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "function") out[path] = value;
    else if (value && typeof value === "object") Object.assign(out, procedureRecord(value, path));
  }
  return out;
}

const createCaller = createCallerFactory(appRouter);

/**
 * Calls a procedure by its dotted path ("integration.byId") as the context's caller, through the same
 * middleware (guards, permissions) and error formatting as a tRPC request.
 */
export async function callProcedure(ctx: Context, procedurePath: string, input: unknown): Promise<unknown> {
  const caller = createCaller(ctx) as unknown as Record<string, unknown>;
  const fn = procedurePath.split(".").reduce<unknown>((acc, key) => (acc as Record<string, unknown>)[key], caller);
  return (fn as (input: unknown) => Promise<unknown>)(input);
}
