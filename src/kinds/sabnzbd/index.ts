import type { HttpResponse } from "../../engine/http.js";
import { describeAnswer, isObject, isServerError, tryJson } from "../../engine/probe.js";
import { defineKind, TestFailure } from "../../engine/types.js";

const HINT = "Use the API Key (not the NZB Key) from SABnzbd → Config → General → Security.";
const KEY_REJECTED = /API Key (Incorrect|Required)/i;

/**
 * SABnzbd API: `GET /api?mode=queue&output=json&apikey=K`. mode=version and mode=auth answer to any key
 * (a wrong key would pass), so the queue is the proof; it also carries the version. A wrong or missing key
 * is HTTP 403 with the plain text "API Key Incorrect" / "API Key Required" even with output=json; the key
 * travels only as the apikey query parameter (SABnzbd ignores an X-Api-Key header).
 */
export default defineKind({
  kind: "sabnzbd",
  name: "SABnzbd",
  categories: ["download", "usenet"],
  secretOptions: [["apiKey"]],
  defaultPort: 8080,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/sabnzbd.svg",
  docsUrl: "https://sabnzbd.org/wiki/configuration/3.7/api",
  // SABnzbd 3 (Python 3, 2020) is the oldest line still maintained; its queue API is what we read.
  minVersion: "3.0.0",
  credentialHint: HINT,
  async test(ctx) {
    const res = await ctx.http.request({ path: "/api", query: { mode: "queue", output: "json", limit: 1, apikey: ctx.secrets.apiKey ?? "" } });
    const body = tryJson(res.text);
    const jsonError = isObject(body) && typeof body.error === "string" ? body.error : undefined;
    if ((res.status === 403 || res.status === 401 || res.status === 200) && (KEY_REJECTED.test(res.text.slice(0, 200)) || (jsonError && KEY_REJECTED.test(jsonError)))) {
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
      throw new TestFailure("HTTP_ERROR", "The address answered 403 Forbidden without SABnzbd's API-key message. Check the URL, and SABnzbd → Config → Special → local_ranges / inet_exposure.", {
        statusCode: 403,
      });
    }
    if (res.status !== 200 || !isObject(body) || !isObject(body.queue)) throw notSabnzbd(res);
    const version = body.queue.version;
    if (typeof version !== "string" || !/^\d+\.\d+/.test(version) || version.length > 40) throw notSabnzbd(res);
    return { version };
  },
});

function notSabnzbd(res: HttpResponse): TestFailure {
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
