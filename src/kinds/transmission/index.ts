import type { HttpResponse } from "../../engine/http.js";
import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const HINT =
  "Check the RPC username and password: rpc-username / rpc-password in Transmission's settings.json (stop the daemon before editing), or Preferences → Remote in the desktop app.";
const SESSION_HEADER = "x-transmission-session-id";

/**
 * Transmission RPC. Every call is a POST to /transmission/rpc with Basic auth; the first call is answered
 * 409 with an X-Transmission-Session-Id header that must be sent back (and again whenever another 409
 * comes). Authentication is checked before the session id, so a wrong password is a plain 401.
 */
export default defineKind({
  kind: "transmission",
  name: "Transmission",
  categories: ["download"],
  secretOptions: [["username", "password"]],
  defaultPort: 9091,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/transmission.svg",
  docsUrl: "https://github.com/transmission/transmission/blob/main/docs/rpc-spec.md",
  // RPC version 15 (Transmission 2.80) is the oldest one whose session-get fields we read.
  minVersion: "2.80",
  credentialHint: HINT,
  async test(ctx) {
    const res = await rpc(ctx, "session-get");
    const body = parseRpc(res);
    if (body.result !== "success") {
      throw new TestFailure("UNEXPECTED_RESPONSE", `Transmission answered session-get with "${String(body.result).slice(0, 100)}" instead of success.`);
    }
    const args = (body.arguments ?? {}) as Record<string, unknown>;
    const version = typeof args.version === "string" ? args.version : undefined;
    const rpcVersion = typeof args["rpc-version"] === "number" ? args["rpc-version"] : undefined;
    if (!version && rpcVersion === undefined) throw notTransmission(res.status);
    if (!version) {
      // Very old daemons: only the RPC version is known.
      if (rpcVersion !== undefined && rpcVersion < 15) {
        throw new TestFailure("UNSUPPORTED_VERSION", `This Transmission speaks RPC version ${rpcVersion}; Patchbay needs RPC 15 (Transmission 2.80) or newer. Update Transmission.`, {
          rpcVersion,
        });
      }
      return {};
    }
    // "3.00 (bb6b5a062e)" → "3.00"
    return { version: version.trim().split(/\s+/)[0]! };
  },
});

/** One RPC call with the session-id dance (at most two 409s in a row: a new id, then a changed one). */
async function rpc(ctx: TestContext, method: string): Promise<HttpResponse> {
  const authorization = "Basic " + Buffer.from(`${ctx.secrets.username ?? ""}:${ctx.secrets.password ?? ""}`).toString("base64");
  let sessionId: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const headers: Record<string, string> = { authorization };
    if (sessionId) headers[SESSION_HEADER] = sessionId;
    const res = await ctx.http.request({ method: "POST", path: "/transmission/rpc", json: { method, arguments: {} }, headers });
    const isTransmission = looksLikeTransmission(res);
    if (res.status === 409) {
      const id = res.header(SESSION_HEADER);
      if (!id) throw notTransmission(409);
      sessionId = id;
      continue;
    }
    if (res.status === 401) {
      if (!isTransmission) throw foreignLogin(res);
      throw new TestFailure("INVALID_CREDENTIALS", `Transmission rejected the username or password. ${HINT}`, { statusCode: 401 });
    }
    if (res.status === 403 && isTransmission) {
      throw new TestFailure(
        "HTTP_ERROR",
        "Transmission refused Patchbay's IP address (403). Add the Patchbay server's address to rpc-whitelist in settings.json, or set rpc-whitelist-enabled to false.",
        { statusCode: 403 },
      );
    }
    if (res.status === 421 && isTransmission) {
      throw new TestFailure(
        "HTTP_ERROR",
        "Transmission refused the host name in the URL (421 Misdirected Request). Use its IP address, add the name to rpc-host-whitelist in settings.json, or enable RPC authentication.",
        { statusCode: 421 },
      );
    }
    if (res.status >= 500 && isTransmission) {
      throw new TestFailure("HTTP_ERROR", `Transmission answered HTTP ${res.status}.`, { statusCode: res.status });
    }
    if (res.status !== 200) throw notTransmission(res.status);
    return res;
  }
  throw new TestFailure("UNEXPECTED_RESPONSE", "Transmission kept asking for a new session id (HTTP 409); is a proxy in front of it dropping the X-Transmission-Session-Id header?", {
    statusCode: 409,
  });
}

function looksLikeTransmission(res: HttpResponse): boolean {
  return /transmission/i.test(res.header("server") ?? "") || /transmission/i.test(res.header("www-authenticate") ?? "") || Boolean(res.header(SESSION_HEADER));
}

function parseRpc(res: HttpResponse): { result?: unknown; arguments?: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw notTransmission(res.status);
  }
  if (!body || typeof body !== "object" || !("result" in body)) throw notTransmission(res.status);
  return body as { result?: unknown; arguments?: unknown };
}

function notTransmission(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Transmission's RPC interface (POST /transmission/rpc). Check the URL and port (9091 by default); use the address without /transmission/web.",
    { statusCode: status },
  );
}

/** A 401 from something that is not Transmission (another service, or a proxy with its own login). */
function foreignLogin(res: HttpResponse): TestFailure {
  const realm = /realm="?([^",]*)/i.exec(res.header("www-authenticate") ?? "")?.[1];
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address asks for a login${realm ? ` for "${realm.slice(0, 60)}"` : ""} but does not identify as Transmission. Check the URL and port (Transmission's RPC listens on 9091 by default); a reverse proxy with its own login in front of Transmission is not supported.`,
    { statusCode: 401 },
  );
}
