import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { domainIssues, toTRPCError, upstreamOf } from "../../src/api/errors.js";
import { DomainError, fieldError, missingPermission, notFound, UpstreamError } from "../../src/services/errors.js";

describe("domain errors and their one mapping (src/services/errors.ts → src/api/errors.ts)", () => {
  it("a domain error keeps its code and message, and is the cause", () => {
    const e = toTRPCError(notFound("Integration not found"));
    expect(e).toBeInstanceOf(TRPCError);
    expect([e.code, e.message]).toEqual(["NOT_FOUND", "Integration not found"]);
    expect(e.cause).toBeInstanceOf(DomainError);
    expect(toTRPCError(missingPermission("app-create")).message).toBe("Missing permission: app-create");
  });

  it("a field error reads 'field: problem' and carries its issues as data", () => {
    const e = toTRPCError(fieldError("CONFLICT", "short", "already used"));
    expect([e.code, e.message]).toEqual(["CONFLICT", "short: already used"]);
    expect(domainIssues(e)).toEqual([{ path: "short", message: "already used" }]);
    expect(domainIssues(toTRPCError(notFound("x")))).toBeUndefined();
  });

  it("an upstream failure is BAD_GATEWAY, or GATEWAY_TIMEOUT for a timeout, with the connection-test error", () => {
    const refused = toTRPCError(new UpstreamError({ code: "CONNECTION_REFUSED", message: "refused" }));
    expect([refused.code, refused.message]).toEqual(["BAD_GATEWAY", "refused"]);
    expect(upstreamOf(refused)).toEqual({ code: "CONNECTION_REFUSED", message: "refused" });
    expect(toTRPCError(new UpstreamError({ code: "TIMEOUT", message: "slow" })).code).toBe("GATEWAY_TIMEOUT");
  });

  it("a domain error tRPC wrapped as internal is unwrapped; other errors stay what tRPC makes of them", () => {
    const wrapped = new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: notFound("App not found") });
    expect(toTRPCError(wrapped).code).toBe("NOT_FOUND");
    const own = new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused" });
    expect(toTRPCError(own)).toBe(own);
    const unknown = toTRPCError(new Error("SELECT secret FROM …"));
    expect(unknown.code).toBe("INTERNAL_SERVER_ERROR");
  });
});
