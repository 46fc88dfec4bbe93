import type { OpenApiMethod, OpenApiProcedureRecord } from "trpc-to-openapi";
import { z } from "zod";
import { procedureRecord } from "./procedures.js";

/**
 * The REST route table, built from public APIs only: the procedures are found by walking the router object
 * (tRPC's documented `appRouter.integration.byId` shape), their `.meta({openapi})` route and input/output
 * schemas are read through trpc-to-openapi (`forEachOpenApiProcedure`, `getInputOutputParsers` — the library
 * that also writes /api/openapi.json from the same meta, so routes and document cannot drift), and the schemas
 * are inspected with zod's public classes. No tRPC or zod internals here: an upgrade of either changes REST
 * only through those libraries' own APIs (test/unit/edge.unit.test.ts keeps src/ free of them).
 *
 * Built on the first REST request or document request, not at start: trpc-to-openapi costs ~15 MB and
 * ~0.5 s to load, and most instances never get a REST call.
 */

export interface RestRoute {
  /** Dotted procedure path, e.g. "integration.byId" */
  procedurePath: string;
  method: OpenApiMethod;
  /** OpenAPI path relative to /api, e.g. /integrations/{id} */
  path: string;
  /** The procedure's input schema; undefined when it takes no input. */
  input: z.ZodType | undefined;
  output: z.ZodType | undefined;
  /** Query-string fields that are numbers or booleans (converted from text; everything else stays a string). */
  queryTypes: Record<string, "number" | "boolean">;
  /** The JSON body is the whole input (an array input); otherwise it must be an object and path parameters join it. */
  wholeBody: boolean;
  /** No result: 204 No Content. */
  voidOutput: boolean;
}

/**
 * Procedures trpc-to-openapi cannot route (an array input, a union input): served here as declared, and
 * documented by hand (src/server/openapi.ts).
 */
export const HAND_ROUTES: { procedurePath: string; method: OpenApiMethod; path: string }[] = [
  { procedurePath: "integration.byIds", method: "POST", path: "/integrations/by-ids" },
  { procedurePath: "integration.testConnection", method: "POST", path: "/integrations/test" },
];

/** A field's schema under optional/default/nullable wrappers and transforms (zod's public classes). */
function baseSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodReadonly || s instanceof z.ZodCatch) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else break;
  }
  return s;
}

function queryTypesOf(input: z.ZodType | undefined): RestRoute["queryTypes"] {
  const out: RestRoute["queryTypes"] = {};
  if (!(input instanceof z.ZodObject)) return out;
  for (const [key, field] of Object.entries(input.shape as Record<string, z.ZodType>)) {
    const base = baseSchema(field);
    if (base instanceof z.ZodNumber) out[key] = "number";
    else if (base instanceof z.ZodBoolean) out[key] = "boolean";
  }
  return out;
}

async function buildRoutes(): Promise<RestRoute[]> {
  const { forEachOpenApiProcedure, getInputOutputParsers } = await import("trpc-to-openapi");
  const record = procedureRecord();
  const route = (procedurePath: string, method: OpenApiMethod, path: string): RestRoute => {
    const { inputParser, outputParser, hasInputsDefined } = getInputOutputParsers(record[procedurePath] as never);
    const input = hasInputsDefined ? (inputParser as z.ZodType) : undefined;
    const output = outputParser as z.ZodType | undefined;
    // An object input with a default (audit.list: callable without input) still takes its fields from the query.
    const shape = input && baseSchema(input);
    return {
      procedurePath,
      method,
      path,
      input,
      output,
      queryTypes: queryTypesOf(shape),
      wholeBody: Boolean(input) && !(shape instanceof z.ZodObject || shape instanceof z.ZodUnion),
      voidOutput: output instanceof z.ZodVoid,
    };
  };
  const routes: RestRoute[] = [];
  forEachOpenApiProcedure(record as OpenApiProcedureRecord, ({ path, meta }) => routes.push(route(path, meta.openapi.method, meta.openapi.path)));
  for (const hand of HAND_ROUTES) routes.push(route(hand.procedurePath, hand.method, hand.path));
  return routes;
}

let routes: Promise<RestRoute[]> | undefined;
/** The REST routes (built once, on first use). */
export function restRoutes(): Promise<RestRoute[]> {
  return (routes ??= buildRoutes().catch((e: unknown) => {
    routes = undefined;
    throw e;
  }));
}

type Segment = { literal: string } | { param: string };
const segmentsOf = (path: string): Segment[] =>
  path
    .split("/")
    .slice(1)
    .map((s) => (/^\{\w+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));

export interface RouteMatch {
  route: RestRoute;
  params: Record<string, string>;
}

/**
 * Finds the route of a request path (relative to /api, still percent-encoded). As in Fastify's router, a
 * literal segment wins over a parameter at the same place (/integrations/search before /integrations/{id}).
 * A parameter that is not valid percent-encoding throws URIError.
 */
export function matchRoute(table: RestRoute[], method: string, rawPath: string): RouteMatch | undefined {
  const parts = rawPath.split("/").slice(1);
  let best: { match: RouteMatch; rank: string } | undefined;
  for (const route of table) {
    if (route.method !== method) continue;
    const segments = segmentsOf(route.path);
    if (segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let rank = "";
    let ok = true;
    for (let i = 0; ok && i < segments.length; i++) {
      const seg = segments[i]!;
      const part = parts[i]!;
      if ("literal" in seg) {
        ok = seg.literal === part;
        rank += "0";
      } else {
        ok = part !== "";
        params[seg.param] = part;
        rank += "1";
      }
    }
    if (ok && (!best || rank < best.rank)) best = { match: { route, params }, rank };
  }
  if (!best) return undefined;
  for (const [k, v] of Object.entries(best.match.params)) best.match.params[k] = decodeURIComponent(v);
  return best.match;
}
