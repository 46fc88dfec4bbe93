import type { TestError } from "../engine/types.js";

/**
 * The refusals and failures the rules (src/services) report, free of any transport: the tRPC, REST and MCP
 * surfaces map them in one place (src/api/errors.ts, `toTRPCError`); the CLI prints their message.
 * The codes are the error vocabulary the API documents (docs/api.md), so every surface shows the same code.
 */
export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "TOO_MANY_REQUESTS"
  | "BAD_GATEWAY"
  | "GATEWAY_TIMEOUT";

/** One problem with one input field: `path` is written like "secrets[0].value" ("input" for the whole input). */
export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The fields the refusal is about: clients get them as structured data (`data.issues`) to show next to each field. */
    readonly issues?: readonly FieldIssue[],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (message: string) => new DomainError("NOT_FOUND", message);
export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);
export const badRequest = (message: string) => new DomainError("BAD_REQUEST", message);
export const conflict = (message: string) => new DomainError("CONFLICT", message);
/** A global permission the caller lacks; the same words on every surface. */
export const missingPermission = (permission: string) => forbidden(`Missing permission: ${permission}`);

/** "a: what is wrong; b: …": the message of a refusal caused by field values (scripts and logs read it). */
export const issuesText = (issues: readonly FieldIssue[]) => issues.map((i) => `${i.path}: ${i.message}`).join("; ");

/** A refusal caused by field values; the message reads "field: what is wrong", and the issues travel as data. */
export function fieldsError(code: "BAD_REQUEST" | "CONFLICT" | "FORBIDDEN", issues: readonly FieldIssue[]): DomainError {
  return new DomainError(code, issuesText(issues), issues);
}

/** A refusal caused by one field's value. */
export function fieldError(code: "BAD_REQUEST" | "CONFLICT" | "FORBIDDEN", path: string, message: string): DomainError {
  return fieldsError(code, [{ path, message }]);
}

/** The service behind an integration failed during a call (docs/api.md, searchInIntegration); `upstream` is its connection-test error. */
export class UpstreamError extends DomainError {
  constructor(readonly upstream: TestError) {
    super(upstream.code === "TIMEOUT" ? "GATEWAY_TIMEOUT" : "BAD_GATEWAY", upstream.message);
    this.name = "UpstreamError";
  }
}

/** A refusal of an operator action (CLI, provisioning, import) with a message meant for the operator. */
export class OperatorError extends Error {}
