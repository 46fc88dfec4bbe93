import type { HttpResponse } from "../../engine/http.js";
import { describeAnswer } from "../../engine/probe.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT =
  "Copy the calendar's private iCal / ICS feed address again from the calendar's sharing settings. If the server needs a login, put it into the feed URL as https://user:password@host/….";

/** Calendars with many years of history are large; a connection test still reads the whole document. */
const MAX_FEED_BYTES = 20 * 1024 * 1024;

/**
 * Downloads the feed (the secret `url`) and checks that it is an iCalendar document; shared by the connection
 * test and the calendar capability. Every failure names "the feed URL", never its host, port, path or query.
 */
export async function loadFeed(ctx: TestContext): Promise<string> {
  const feed = feedUrl(ctx.secrets.url);
  let res: HttpResponse;
  try {
    res = await ctx.http.request({ url: feed, headers: { accept: "text/calendar, text/plain;q=0.8, */*;q=0.5" }, maxBytes: MAX_FEED_BYTES });
  } catch (err) {
    throw hideFeed(err, ctx);
  }
  if (res.status === 401 || res.status === 403) {
    throw new TestFailure("INVALID_CREDENTIALS", `The calendar server refused the feed URL (HTTP ${res.status}). ${HINT}`, { statusCode: res.status });
  }
  if (res.status === 404 || res.status === 410) {
    throw new TestFailure(
      "HTTP_ERROR",
      `The feed URL answered HTTP ${res.status}: there is no calendar at that address (deleted, or the private address was reset). ${HINT}`,
      { statusCode: res.status },
    );
  }
  if (res.status !== 200) {
    throw new TestFailure("HTTP_ERROR", `The feed URL answered HTTP ${res.status}.`, { statusCode: res.status });
  }
  const text = res.text.replace(/^\uFEFF/, "").trimStart();
  if (!/^BEGIN:VCALENDAR\r?\n/i.test(text) || !/(^|\n)END:VCALENDAR\s*$/i.test(text)) {
    throw new TestFailure(
      "UNEXPECTED_RESPONSE",
      `The feed URL does not return an iCalendar document (BEGIN:VCALENDAR … END:VCALENDAR): it sent ${describeAnswer(res)}. Use the calendar's iCal / ICS export address, not its web page.`,
      { statusCode: res.status },
    );
  }
  return text;
}

export function feedUrl(secret: string | undefined): URL {
  let url: URL;
  try {
    url = new URL((secret ?? "").trim());
  } catch {
    throw new TestFailure("INVALID_CREDENTIALS", `The feed URL is not a valid absolute URL. ${HINT}`);
  }
  if (url.protocol === "webcal:" || url.protocol === "webcals:") url = new URL("https:" + url.toString().slice(url.protocol.length));
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TestFailure("INVALID_CREDENTIALS", `The feed URL must start with https://, http:// or webcal://. ${HINT}`);
  }
  url.hash = "";
  return url;
}

/**
 * The outbound client names host and port (and redirect targets) in its messages; for a feed URL those are
 * part of the secret, so keep the code and replace the words.
 */
function hideFeed(err: unknown, ctx: TestContext): TestFailure {
  if (!(err instanceof TestFailure)) {
    if (ctx.http.signal.aborted) return new TestFailure("TIMEOUT", "The feed URL did not answer in time.");
    return new TestFailure("UNKNOWN", "The request to the feed URL failed.");
  }
  const statusCode = typeof err.details?.statusCode === "number" ? { statusCode: err.details.statusCode } : undefined;
  switch (err.code) {
    case "CONNECTION_REFUSED":
      return new TestFailure("CONNECTION_REFUSED", "Nothing is listening at the host and port of the feed URL. Check the feed URL and that the calendar server is running.");
    case "DNS_ERROR":
      return new TestFailure("DNS_ERROR", "The host name in the feed URL was not found (DNS). Check the feed URL.");
    case "HOST_UNREACHABLE":
      return new TestFailure("HOST_UNREACHABLE", "The host in the feed URL cannot be reached from the Patchbay server (no route to host).");
    case "TIMEOUT":
      return new TestFailure("TIMEOUT", "The feed URL did not answer in time.");
    case "CERTIFICATE_ERROR": {
      const tlsError = typeof err.details?.tlsError === "string" ? err.details.tlsError : undefined;
      const why =
        tlsError === "CERT_HAS_EXPIRED"
          ? "its certificate has expired"
          : tlsError === "ERR_TLS_CERT_ALTNAME_INVALID"
            ? "its certificate is not valid for the host name in the feed URL"
            : "its certificate is not signed by a trusted authority (self-signed?)";
      const failure = new TestFailure("CERTIFICATE_ERROR", `The HTTPS connection to the server of the feed URL is not trusted: ${why}.`, tlsError ? { tlsError } : undefined);
      // So that the certificate offered for trust is the feed server's, not the integration URL's.
      failure.certificateUrl = err.certificateUrl;
      return failure;
    }
    case "UNEXPECTED_RESPONSE": {
      const m = err.message;
      const text = /redirect/i.test(m)
        ? /more than/i.test(m)
          ? "The feed URL redirects in a loop."
          : "The feed URL redirects to another address. Open it in a browser and use the address it ends up at as the feed URL."
        : /larger than/i.test(m)
          ? `The feed is larger than ${MAX_FEED_BYTES / 1024 / 1024} MiB.`
          : /does not speak HTTPS/i.test(m)
            ? "The server of the feed URL does not speak HTTPS; use http:// in the feed URL."
            : /closed the connection/i.test(m)
              ? "The server of the feed URL closed the connection before answering completely."
              : "The server of the feed URL did not answer with valid HTTP.";
      return new TestFailure("UNEXPECTED_RESPONSE", text, statusCode);
    }
    default:
      return new TestFailure(err.code, "The request to the feed URL failed.", statusCode);
  }
}
