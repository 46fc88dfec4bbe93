import type { HttpResponse } from "../../engine/http.js";
import { describeAnswer, isObject, isServerError, tryJson } from "../../engine/probe.js";
import { defineKind, TestFailure } from "../../engine/types.js";

const HINT = "Check the username and password in NZBGet → Settings → Security (ControlUsername / ControlPassword).";

/**
 * NZBGet JSON-RPC: `POST /jsonrpc {"method":"version"}` with HTTP Basic auth (NZBGet also accepts the
 * credentials in the path, /user:pass/jsonrpc; a header keeps them out of every URL and log). A wrong login
 * is a 401 whose WWW-Authenticate names the realm "NZBGet". NZBGet with an empty ControlPassword has no
 * login at all, so any credentials pass there.
 */
export default defineKind({
  kind: "nzbget",
  name: "NZBGet",
  categories: ["download", "usenet"],
  secretOptions: [["username", "password"]],
  defaultPort: 6789,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/nzbget.svg",
  docsUrl: "https://nzbget.com/documentation/api/",
  // The JSON-RPC API with the version/status/listgroups methods we rely on is stable since NZBGet 12 (2013).
  minVersion: "12.0",
  credentialHint: HINT,
  async test(ctx) {
    const authorization = "Basic " + Buffer.from(`${ctx.secrets.username ?? ""}:${ctx.secrets.password ?? ""}`).toString("base64");
    // NZBGet 21 answers a wrong login with 401 + "Connection: keep-alive" and then closes the socket anyway;
    // a request reusing that socket right after would fail with "other side closed". One request per test, so
    // do not offer the socket back to the pool.
    const res = await ctx.http.request({
      method: "POST",
      path: "/jsonrpc",
      json: { method: "version", params: [], id: 1 },
      headers: { authorization, connection: "close" },
    });
    if (res.status === 401) {
      if (!looksLikeNzbget(res)) throw foreignLogin(res);
      throw new TestFailure("INVALID_CREDENTIALS", `NZBGet rejected the username or password. ${HINT}`, { statusCode: 401 });
    }
    if (res.status === 403 && looksLikeNzbget(res)) {
      throw new TestFailure(
        "HTTP_ERROR",
        "NZBGet refused Patchbay's IP address (403). Add the Patchbay server's address to NZBGet → Settings → Security → AuthorizedIP, or clear that list.",
        { statusCode: 403 },
      );
    }
    if (isServerError(res.status)) throw new TestFailure("HTTP_ERROR", `NZBGet answered HTTP ${res.status}. Check NZBGet's log.`, { statusCode: res.status });
    const body = tryJson(res.text);
    if (res.status !== 200 || !isObject(body)) throw notNzbget(res);
    const result = body.result;
    if (typeof result !== "string" || !/^\d+(\.\d+)+/.test(result) || result.length > 40) {
      throw notNzbget(res);
    }
    return { version: result };
  },
});

function looksLikeNzbget(res: HttpResponse): boolean {
  return /nzbget/i.test(res.header("www-authenticate") ?? "") || /nzbget/i.test(res.header("server") ?? "");
}

function notNzbget(res: HttpResponse): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address does not answer like NZBGet's JSON-RPC API (POST /jsonrpc): it sent ${describeAnswer(res)}. Check the URL and port (6789 by default).`,
    { statusCode: res.status },
  );
}

/** A 401 from something that is not NZBGet (another service, or a proxy with its own login). */
function foreignLogin(res: HttpResponse): TestFailure {
  const realm = /realm="?([^",]*)/i.exec(res.header("www-authenticate") ?? "")?.[1];
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address asks for a login${realm ? ` for "${realm.slice(0, 60)}"` : ""} but does not identify as NZBGet. Check the URL and port (6789 by default).`,
    { statusCode: 401 },
  );
}
