import { z } from "zod";
import type { HttpResponse } from "../../engine/http.js";
import { check } from "../../engine/kit.js";
import { describeAnswer, isServerError, tryJson } from "../../engine/probe.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT = "Use the API Key (not the NZB Key) from SABnzbd → Config → General → Security.";
const KEY_REJECTED = /API Key (Incorrect|Required)/i;
const ErrorBody = z.object({ error: z.string() });

/**
 * SABnzbd API: `GET /api?mode=…&output=json&apikey=K` (sabnzbd/api.py, 3.7.1 as Debian ships it; wiki
 * https://sabnzbd.org/wiki/configuration/3.7/api). A wrong or missing key is HTTP 403 with the plain text
 * "API Key Incorrect" / "API Key Required" even with output=json from 3.3.0 on; 3.0–3.2 answer it HTTP 200
 * `{"status":false,"error":"API Key Incorrect"}` (emulator.ts). The key travels only as the apikey query
 * parameter (SABnzbd ignores an X-Api-Key header).
 */
export async function api<S extends z.ZodType>(ctx: TestContext, query: Record<string, string | number>, schema: S): Promise<z.output<S>> {
  const res = await ctx.http.request({ path: "/api", query: { ...query, output: "json", apikey: ctx.secrets.apiKey ?? "" } });
  const body = tryJson(res.text);
  const jsonError = ErrorBody.safeParse(body);
  if ((res.status === 403 || res.status === 401 || res.status === 200) && (KEY_REJECTED.test(res.text.slice(0, 200)) || (jsonError.success && KEY_REJECTED.test(jsonError.data.error)))) {
    throw new TestFailure("INVALID_CREDENTIALS", `SABnzbd rejected the API key. ${HINT}`, { statusCode: res.status });
  }
  if (res.status === 403 && /host ?name|whitelist/i.test(res.text.slice(0, 300))) {
    throw new TestFailure(
      "HTTP_ERROR",
      "SABnzbd refused the host name in the URL (403). Use its IP address, or add the name to SABnzbd → Config → Special → host_whitelist.",
      { statusCode: 403 },
    );
  }
  if (res.status === 401) throw foreignLogin(res);
  if (isServerError(res.status)) throw new TestFailure("HTTP_ERROR", `SABnzbd answered HTTP ${res.status}. Check SABnzbd's log.`, { statusCode: res.status });
  if (res.status === 403) {
    // SABnzbd 3.3+ with api_warnings off answers a wrong key with this bare 403 too (interface.py `secured_expose`).
    throw new TestFailure(
      "HTTP_ERROR",
      "The address answered 403 Forbidden without SABnzbd's API-key message. Check the API key (with Config → Special → api_warnings off SABnzbd does not say it is wrong), the URL, and SABnzbd → Config → Special → local_ranges / inet_exposure.",
      { statusCode: 403 },
    );
  }
  if (res.status !== 200 || body === undefined) throw notSabnzbd(res);
  if (jsonError.success) throw new TestFailure("UNEXPECTED_RESPONSE", `SABnzbd answered mode=${query.mode} with an error: ${jsonError.data.error.slice(0, 200)}`);
  return check(ctx, body, schema, res.status);
}

export function notSabnzbd(res: Pick<HttpResponse, "status" | "text" | "header">): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address does not answer like SABnzbd's API (/api?mode=queue): it sent ${describeAnswer(res)}. Use the address you open SABnzbd with (port 8080 by default; without /sabnzbd unless you changed url_base).`,
    { statusCode: res.status },
  );
}

/** SABnzbd's API never asks for an HTTP login: a 401 is another service, or a proxy with its own login. */
function foreignLogin(res: HttpResponse): TestFailure {
  const realm = /realm="?([^",]*)/i.exec(res.header("www-authenticate") ?? "")?.[1];
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address asks for an HTTP login${realm ? ` for "${realm.slice(0, 60)}"` : ""}, which SABnzbd's API never does. Check the URL and port; a reverse proxy with its own login must let /api through.`,
    { statusCode: 401 },
  );
}
