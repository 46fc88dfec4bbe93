import { z } from "zod";
import type { HttpResponse } from "../../engine/http.js";
import { check } from "../../engine/kit.js";
import { describeAnswer, isServerError, tryJson } from "../../engine/probe.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT = "Check the RPC secret: the --rpc-secret option (rpc-secret= in aria2.conf) aria2 was started with.";

/**
 * aria2 JSON-RPC: `POST /jsonrpc {"jsonrpc":"2.0","method":…,"params":["token:<secret>", …]}` (aria2c manual,
 * "RPC interface", https://aria2.github.io/manual/en/html/aria2c.html#rpc-interface). A wrong or missing secret
 * is HTTP 400 with the JSON-RPC error {"code":1,"message":"Unauthorized"} (aria2 delays that answer by a second
 * or two); other method errors are code 1 with their own message ("GID … is not found"). An aria2 started
 * without --rpc-secret accepts any token.
 */
const Reply = z.union([
  z.object({ jsonrpc: z.literal("2.0"), result: z.unknown().refine((v) => v !== undefined) }),
  z.object({ jsonrpc: z.literal("2.0"), error: z.object({ code: z.unknown(), message: z.unknown() }) }),
]);

/** Thrown for a JSON-RPC error that is the method's own answer (not the secret): callers may handle it. */
export class Aria2Error extends TestFailure {
  constructor(
    method: string,
    readonly rpcMessage: string,
  ) {
    super("UNEXPECTED_RESPONSE", `aria2 answered ${method} with an error: ${rpcMessage.slice(0, 200)}`);
  }
}

export async function call<S extends z.ZodType>(ctx: TestContext, method: string, params: unknown[], schema: S): Promise<z.output<S>> {
  const res = await ctx.http.request({
    method: "POST",
    path: "/jsonrpc",
    json: { jsonrpc: "2.0", id: "patchbay", method, params: [`token:${ctx.secrets.token ?? ""}`, ...params] },
  });
  const reply = Reply.safeParse(tryJson(res.text));
  if (reply.success && "error" in reply.data) {
    const { code, message } = reply.data.error;
    if (code === 1 && message === "Unauthorized") throw new TestFailure("INVALID_CREDENTIALS", `aria2 rejected the RPC secret. ${HINT}`, { statusCode: res.status });
    if (code === 1 && typeof message === "string") throw new Aria2Error(method, message);
    throw new TestFailure("UNEXPECTED_RESPONSE", `The JSON-RPC server at this address does not know ${method} (error ${String(code).slice(0, 20)}); is it aria2? Check the URL and port (6800 by default).`, {
      statusCode: res.status,
    });
  }
  if (res.status === 401) {
    throw new TestFailure(
      "UNEXPECTED_RESPONSE",
      "This address asks for an HTTP login. aria2 does that only with the deprecated --rpc-user/--rpc-passwd options, which Patchbay does not support (use --rpc-secret), or this is another service. Check the URL and port (6800 by default).",
      { statusCode: 401 },
    );
  }
  if (isServerError(res.status)) throw new TestFailure("HTTP_ERROR", `aria2 answered HTTP ${res.status}.`, { statusCode: res.status });
  if (res.status !== 200 || !reply.success || !("result" in reply.data)) throw notAria2(res);
  return check(ctx, reply.data.result, schema, res.status);
}

export function notAria2(res: Pick<HttpResponse, "status" | "text" | "header">): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address does not answer like aria2's JSON-RPC interface (POST /jsonrpc): it sent ${describeAnswer(res)}. Check the URL and port (6800 by default); aria2 must run with --enable-rpc.`,
    { statusCode: res.status },
  );
}
