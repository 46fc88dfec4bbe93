import { TRPCError } from "@trpc/server";

/** One problem with one input field: `path` is written like "secrets[0].value" ("input" for the whole input). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The cause of a field error: the tRPC error formatter (src/api/trpc.ts) sends its issues as `data.issues`. */
export class FieldIssues extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
    this.name = "FieldIssues";
  }
}

/**
 * A refusal caused by one field's value. The message still reads "field: what is wrong" (scripts and logs),
 * and clients get the same as structured data to put next to the field, without parsing text.
 */
export function fieldError(code: "BAD_REQUEST" | "CONFLICT" | "FORBIDDEN", path: string, message: string): TRPCError {
  const cause = new FieldIssues([{ path, message }]);
  return new TRPCError({ code, message: cause.message, cause });
}
