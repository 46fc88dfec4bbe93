import { z } from "zod";
import type { HttpRequest, HttpResponse } from "./http.js";
import { describeAnswer } from "./probe.js";
import { TestFailure, type TestContext } from "./types.js";

/**
 * The adapter kit: one way to call a service and read its answer, so adapters are mostly declarations.
 * `call` performs a request and maps the statuses every service shares (401/403 → INVALID_CREDENTIALS with
 * the kind's credential hint, 5xx/429 → HTTP_ERROR, anything else non-2xx → UNEXPECTED_RESPONSE naming what
 * answered); `parse` reads the body with a zod schema, a mismatch being UNEXPECTED_RESPONSE with the path that
 * failed. Adapters handle the statuses their service gives a meaning of its own (qBittorrent's 204 login, a
 * Pi-hole v6 seat limit) by passing `expect` or by calling `ctx.http.request` and then `parse`.
 */

export interface CallOptions {
  /** Statuses that are a normal answer for this request (default: any 2xx). */
  expect?: number[] | ((status: number) => boolean);
  /** Overrides the INVALID_CREDENTIALS message for this call. */
  credentialsMessage?: string;
}

function expected(status: number, opt: CallOptions["expect"]): boolean {
  if (!opt) return status >= 200 && status < 300;
  return typeof opt === "function" ? opt(status) : opt.includes(status);
}

/** Performs `req` and turns the shared failure statuses into contract errors. */
export async function call(ctx: TestContext, req: HttpRequest, opts: CallOptions = {}): Promise<HttpResponse> {
  const res = await ctx.http.request(req);
  if (expected(res.status, opts.expect)) return res;
  throw statusFailure(ctx, res, opts);
}

/** The contract error for an answer whose status was not expected. */
export function statusFailure(ctx: TestContext, res: HttpResponse, opts: Pick<CallOptions, "credentialsMessage"> = {}): TestFailure {
  const { name, credentialHint } = ctx.kind;
  if (res.status === 401 || res.status === 403) {
    return new TestFailure("INVALID_CREDENTIALS", opts.credentialsMessage ?? `${name} rejected the credentials. ${credentialHint}`, { statusCode: res.status });
  }
  if (res.status >= 500 || res.status === 429) {
    return new TestFailure("HTTP_ERROR", `${name} answered HTTP ${res.status}. Check ${name}'s own logs.`, { statusCode: res.status });
  }
  return notService(ctx, res);
}

/** UNEXPECTED_RESPONSE saying what answered instead of the service. */
export function notService(ctx: TestContext, res: Pick<HttpResponse, "status" | "text" | "header">): TestFailure {
  const { name } = ctx.kind;
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address does not answer like ${name}: it sent ${describeAnswer(res)}. Use the base URL you open ${name} with (scheme, host, port and URL base, if any).`,
    { statusCode: res.status },
  );
}

/** Parses a JSON body with `schema`; a body that is not JSON, or not of that shape, is UNEXPECTED_RESPONSE. */
export function parse<S extends z.ZodType>(ctx: TestContext, res: Pick<HttpResponse, "status" | "text" | "header">, schema: S): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw notService(ctx, res);
  }
  return check(ctx, body, schema, res.status);
}

/** Validates an already decoded value (JSON-RPC results, XML turned into objects) with `schema`. */
export function check<S extends z.ZodType>(ctx: TestContext, value: unknown, schema: S, statusCode?: number): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length ? issue.path.join(".") : "the top level";
  throw new TestFailure(
    "UNEXPECTED_RESPONSE",
    `${ctx.kind.name} answered in a shape Patchbay does not know (at ${where}: ${issue?.message ?? "invalid"}). Check the URL, or that ${ctx.kind.name} is a supported version.`,
    statusCode === undefined ? { path: where } : { path: where, statusCode },
  );
}

/** `call` then `parse`: the common case of a JSON API. */
export async function getJson<S extends z.ZodType>(ctx: TestContext, req: HttpRequest, schema: S, opts?: CallOptions): Promise<z.output<S>> {
  return parse(ctx, await call(ctx, req, opts), schema);
}
