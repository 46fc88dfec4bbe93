import { describeAnswer, isObject, isServerError, tryJson } from "../../engine/probe.js";
import { defineKind, TestFailure } from "../../engine/types.js";

const HINT = "Check the RPC secret: the --rpc-secret option (rpc-secret= in aria2.conf) aria2 was started with.";

/**
 * aria2 JSON-RPC: `POST /jsonrpc {"jsonrpc":"2.0","method":"aria2.getVersion","params":["token:<secret>"]}`.
 * A wrong or missing secret is HTTP 400 with the JSON-RPC error {"code":1,"message":"Unauthorized"} (aria2
 * delays that answer by a second or two). An aria2 started without --rpc-secret accepts any token.
 */
export default defineKind({
  kind: "aria2",
  name: "aria2",
  categories: ["download"],
  secretOptions: [["token"]],
  defaultPort: 6800,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/aria2.svg",
  docsUrl: "https://aria2.github.io/manual/en/html/aria2c.html#rpc-interface",
  // The "token:" secret (--rpc-secret) exists since aria2 1.18.4.
  minVersion: "1.18.4",
  credentialHint: HINT,
  async test(ctx) {
    const res = await ctx.http.request({
      method: "POST",
      path: "/jsonrpc",
      json: { jsonrpc: "2.0", id: "patchbay", method: "aria2.getVersion", params: [`token:${ctx.secrets.token ?? ""}`] },
    });
    const body = tryJson(res.text);
    const error = isObject(body) && isObject(body.error) ? body.error : undefined;
    if (error && body && isObject(body) && body.jsonrpc === "2.0") {
      if (error.code === 1 && error.message === "Unauthorized") {
        throw new TestFailure("INVALID_CREDENTIALS", `aria2 rejected the RPC secret. ${HINT}`, { statusCode: res.status });
      }
      throw new TestFailure("UNEXPECTED_RESPONSE", `The JSON-RPC server at this address does not know aria2.getVersion (error ${String(error.code).slice(0, 20)}); is it aria2? Check the URL and port (6800 by default).`, {
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
    const result = isObject(body) && isObject(body.result) ? body.result : undefined;
    const version = result?.version;
    if (res.status !== 200 || typeof version !== "string" || !/^\d+\.\d+/.test(version) || version.length > 40 || !Array.isArray(result?.enabledFeatures)) {
      throw new TestFailure(
        "UNEXPECTED_RESPONSE",
        `This address does not answer like aria2's JSON-RPC interface (POST /jsonrpc): it sent ${describeAnswer(res)}. Check the URL and port (6800 by default); aria2 must run with --enable-rpc.`,
        { statusCode: res.status },
      );
    }
    return { version };
  },
});
