import { z } from "zod";
import type { HttpResponse } from "../../engine/http.js";
import { check } from "../../engine/kit.js";
import { describeAnswer, isServerError, tryJson } from "../../engine/probe.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT = "Check the username and password in NZBGet → Settings → Security (ControlUsername / ControlPassword).";

const Reply = z.object({ result: z.unknown().refine((v) => v !== undefined) });

/**
 * NZBGet JSON-RPC: `POST /jsonrpc {"method":…,"params":[…]}` with HTTP Basic auth (NZBGet also accepts the
 * credentials in the path, /user:pass/jsonrpc; a header keeps them out of every URL and log). A wrong login
 * is a 401 whose WWW-Authenticate names the realm "NZBGet". NZBGet with an empty ControlPassword has no
 * login at all, so any credentials pass there. API: https://nzbget.com/documentation/api/
 */
export async function rpc<S extends z.ZodType>(ctx: TestContext, method: string, params: unknown[], schema: S): Promise<z.output<S>> {
  const authorization = "Basic " + Buffer.from(`${ctx.secrets.username ?? ""}:${ctx.secrets.password ?? ""}`).toString("base64");
  // NZBGet 21 answers a wrong login with 401 + "Connection: keep-alive" and then closes the socket anyway;
  // a request reusing that socket right after would fail with "other side closed": never offer it back.
  const res = await ctx.http.request({
    method: "POST",
    path: "/jsonrpc",
    json: { method, params, id: 1 },
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
  const body = Reply.safeParse(tryJson(res.text));
  if (res.status !== 200 || !body.success) throw notNzbget(res);
  return check(ctx, body.data.result, schema, res.status);
}

export function looksLikeNzbget(res: HttpResponse): boolean {
  return /nzbget/i.test(res.header("www-authenticate") ?? "") || /nzbget/i.test(res.header("server") ?? "");
}

export function notNzbget(res: HttpResponse): TestFailure {
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
