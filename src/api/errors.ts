import { getTRPCErrorFromUnknown, TRPCError } from "@trpc/server";
import { DomainError, UpstreamError, type FieldIssue } from "../services/errors.js";

/** A domain error thrown by a service, directly or as the cause tRPC wrapped it in (an "internal" error). */
function domainErrorOf(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err;
  if (err instanceof TRPCError && err.code === "INTERNAL_SERVER_ERROR" && err.cause instanceof DomainError) return err.cause;
  return undefined;
}

/**
 * The one mapping from what the rules throw (src/services/errors.ts) to tRPC's error: same code, same message,
 * the domain error kept as `cause` so the error formatter (src/api/trpc.ts) can send its field issues and
 * upstream error as data. Anything else stays what tRPC makes of it (an unknown error is INTERNAL_SERVER_ERROR).
 */
export function toTRPCError(err: unknown): TRPCError {
  const domain = domainErrorOf(err);
  if (domain) return new TRPCError({ code: domain.code, message: domain.message, cause: domain });
  return getTRPCErrorFromUnknown(err);
}

/** The field issues a domain error carries (undefined for other errors). */
export function domainIssues(error: TRPCError): readonly FieldIssue[] | undefined {
  return error.cause instanceof DomainError ? error.cause.issues : undefined;
}

/** The connection-test error of an upstream failure (docs/api.md, searchInIntegration). */
export function upstreamOf(error: TRPCError) {
  return error.cause instanceof UpstreamError ? error.cause.upstream : undefined;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** A subscription's stream with the same mapping for an error thrown while it runs (e.g. NOT_FOUND on its first read). */
async function* mappedStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (e) {
    throw toTRPCError(e);
  }
}

/** A procedure's result with errors mapped: a failed call, or an error inside a subscription's stream. */
export function mapResultErrors<R extends { ok: boolean }>(result: R): R {
  if (!result.ok) throw toTRPCError((result as unknown as { error: unknown }).error);
  const data = (result as unknown as { data: unknown }).data;
  return isAsyncIterable(data) ? { ...result, data: mappedStream(data) } : result;
}
