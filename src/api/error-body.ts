import type { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { FieldIssue } from "../services/errors.js";
import { domainIssues, toTRPCError, upstreamOf } from "./errors.js";

/**
 * The one error mapper of every surface: tRPC's error formatter (src/api/trpc.ts), REST (src/server/rest.ts)
 * and MCP (src/server/mcp.ts) all turn a failure into the same code, message, field issues and HTTP status
 * here (docs/api.md, "The `integration` router": errors and their `issues`).
 */

/** The TRPCError of anything a procedure threw: services' domain errors become tRPC codes in one place (./errors.ts). */
export const asTRPCError: (cause: unknown) => TRPCError = toTRPCError;

type Issue = { path?: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

/** "secrets[0].kind" from ["secrets", 0, "kind"]; "input" for the input as a whole. */
function pathText(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "") || "input";
}

/**
 * zod's issues as one `{path, message}` per field. For a union (e.g. testConnection by kind or by id) the
 * branch that came closest explains the problem.
 */
export function flattenIssues(issues: Issue[], prefix: PropertyKey[] = []): FieldIssue[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...(i.path ?? [])];
    if (i.code === "invalid_union" && i.errors?.length) {
      const closest = [...i.errors].sort((a, b) => a.length - b.length)[0]!;
      if (closest.length) return flattenIssues(closest, path);
    }
    return [{ path: pathText(path), message: i.message }];
  });
}

/** The field issues of an error: zod's (invalid input) or a service's field error (src/services/errors.ts). */
function issuesOf(error: TRPCError): readonly FieldIssue[] | undefined {
  const own = domainIssues(error);
  if (own) return own;
  const cause = error.cause as { issues?: Issue[] } | undefined;
  if (error.code === "BAD_REQUEST" && cause && Array.isArray(cause.issues)) return flattenIssues(cause.issues);
  return undefined;
}

/** What every surface answers for a failure: REST's JSON body, MCP's structured tool error, tRPC's `message` + `data`. */
export interface ErrorBody {
  message: string;
  /** tRPC error code, e.g. BAD_REQUEST, UNAUTHORIZED, NOT_FOUND */
  code: TRPCError["code"];
  /** Each problem with the field it concerns, so clients show it there without parsing the message. */
  issues?: readonly FieldIssue[];
  /** The connection-test error of a service that failed during the call (search: 502/504). */
  upstream?: unknown;
}

/** The HTTP status and body of a failure: fields named, internal errors never showing their text. */
export function errorBody(cause: unknown): { status: number; body: ErrorBody } {
  const error = asTRPCError(cause);
  const issues = issuesOf(error);
  let message = error.message;
  // zod's own message is a JSON dump of its issues: the issues as "field: what is wrong" read better.
  if (issues && !domainIssues(error)) message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  // Internal errors never show their text: it may hold SQL or stored values. The log has the details.
  if (error.code === "INTERNAL_SERVER_ERROR") message = "Internal server error";
  const body: ErrorBody = { message, code: error.code };
  if (issues) body.issues = issues;
  const upstream = upstreamOf(error);
  if (upstream) body.upstream = upstream;
  return { status: getHTTPStatusCodeFromError(error), body };
}
