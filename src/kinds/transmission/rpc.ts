import { z } from "zod";
import type { HttpResponse } from "../../engine/http.js";
import { check, parse } from "../../engine/kit.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT =
  "Check the RPC username and password: rpc-username / rpc-password in Transmission's settings.json (stop the daemon before editing), or Preferences → Remote in the desktop app.";
const SESSION_HEADER = "x-transmission-session-id";

/**
 * Transmission RPC, the "bespoke" protocol every release from 2.80 to 4.1 speaks (4.1 added JSON-RPC 2.0 and
 * keeps this one: docs/rpc-spec.md tag 4.1.0). Every call is a POST to /transmission/rpc with Basic auth; the
 * first call is answered 409 with an X-Transmission-Session-Id header to send back (and again whenever another
 * 409 comes). Authentication is checked before the session id, so a wrong password is a plain 401.
 * The session id is kept per call context, so a capability's several RPCs do the dance once.
 */
const sessionIds = new WeakMap<TestContext, string>();

const Envelope = z.object({ result: z.string(), arguments: z.record(z.string(), z.unknown()).optional() });

/** One RPC; resolves with its `arguments` parsed by `schema` once `result` is "success". */
export async function rpc<S extends z.ZodType>(ctx: TestContext, method: string, args: Record<string, unknown>, schema: S): Promise<z.output<S>> {
  const res = await post(ctx, method, args);
  const body = parse(ctx, res, Envelope);
  if (body.result !== "success") {
    throw new TestFailure("UNEXPECTED_RESPONSE", `Transmission answered ${method} with "${body.result.slice(0, 100)}" instead of success.`);
  }
  return check(ctx, body.arguments ?? {}, schema, res.status);
}

async function post(ctx: TestContext, method: string, args: Record<string, unknown>): Promise<HttpResponse> {
  const authorization = "Basic " + Buffer.from(`${ctx.secrets.username ?? ""}:${ctx.secrets.password ?? ""}`).toString("base64");
  // At most two 409s in a row: a new id, then a changed one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const headers: Record<string, string> = { authorization };
    const sessionId = sessionIds.get(ctx);
    if (sessionId) headers[SESSION_HEADER] = sessionId;
    const res = await ctx.http.request({ method: "POST", path: "/transmission/rpc", json: { method, arguments: args }, headers });
    const isTransmission = looksLikeTransmission(res);
    if (res.status === 409) {
      const id = res.header(SESSION_HEADER);
      if (!id) throw notTransmission(409);
      sessionIds.set(ctx, id);
      continue;
    }
    if (res.status === 401) {
      if (!isTransmission) throw foreignLogin(res);
      throw new TestFailure("INVALID_CREDENTIALS", `Transmission rejected the username or password. ${HINT}`, { statusCode: 401 });
    }
    if (res.status === 403 && isTransmission) throw forbidden(res.text);
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

/**
 * Transmission's two 403s (libtransmission/rpc-server.c tag 3.00 `handle_request`; rpc-server.cc tags 4.0.6 and
 * 4.1.0 `handle_request`): the brute-force lockout (3.00: after 100 failed logins, body "Too many unsuccessful
 * login attempts"; 4.x: after anti-brute-force-threshold when anti-brute-force-enabled, checked first) and the IP
 * whitelist (3.00 body "Unauthorized IP Address"). 4.x sends both as a bare "<h1>403: Forbidden</h1>".
 */
function forbidden(text: string): TestFailure {
  if (/too many unsuccessful login attempts/i.test(text)) {
    return new TestFailure(
      "INVALID_CREDENTIALS",
      `Transmission has locked its RPC interface after too many failed logins (its brute-force protection). Restart transmission-daemon to unlock it, then check the username and password. ${HINT}`,
      { statusCode: 403 },
    );
  }
  if (/unauthorized ip address/i.test(text)) {
    return new TestFailure(
      "HTTP_ERROR",
      "Transmission refused Patchbay's IP address (403). Add the Patchbay server's address to rpc-whitelist in settings.json, or set rpc-whitelist-enabled to false.",
      { statusCode: 403 },
    );
  }
  return new TestFailure(
    "HTTP_ERROR",
    "Transmission refused the request (403). Either Patchbay's IP address is not in rpc-whitelist (add it in settings.json, or set rpc-whitelist-enabled to false), or its brute-force protection locked RPC after too many failed logins (restart transmission-daemon, then check the username and password).",
    { statusCode: 403 },
  );
}

function looksLikeTransmission(res: HttpResponse): boolean {
  return /transmission/i.test(res.header("server") ?? "") || /transmission/i.test(res.header("www-authenticate") ?? "") || Boolean(res.header(SESSION_HEADER));
}

export function notTransmission(status: number): TestFailure {
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
