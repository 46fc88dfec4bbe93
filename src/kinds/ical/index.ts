import { defineKind, TestFailure } from "../../engine/types.js";
import { calendar } from "./capabilities.js";
import { HINT, loadFeed } from "./feed.js";

/**
 * iCal feed (RFC 5545). The secret `url` IS the feed address (often a capability URL with a token in it),
 * the integration's own url is only the web address of the calendar service. The test downloads the feed
 * and checks that it is an iCalendar document. webcal:// means https://. Credentials embedded as userinfo
 * are sent as a Basic header (the outbound client does that; undici refuses URLs with credentials).
 *
 * An empty calendar (BEGIN:VCALENDAR … END:VCALENDAR without any VEVENT) is accepted: a new or
 * quiet calendar is a correctly configured feed, the events are not what proves the connection. Homarr's
 * "≥1 VEVENT" rule would fail a correct feed and would flip to failure when the last event is deleted.
 *
 * The feed URL is a secret, so no message names its host, port, path or query: only "the feed URL".
 */
export default defineKind({
  kind: "ical",
  name: "iCal",
  categories: ["calendar"],
  secretOptions: [["url"]],
  defaultPort: null,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/ical.svg",
  docsUrl: "https://datatracker.ietf.org/doc/html/rfc5545",
  credentialHint: HINT,
  capabilities: { calendar },
  async test(ctx) {
    const text = await loadFeed(ctx);
    const version = /(^|\n)VERSION:([^\r\n]*)/i.exec(text)?.[2]?.trim();
    if (version && version !== "2.0") {
      throw new TestFailure("UNSUPPORTED_VERSION", `The feed is in iCalendar/vCalendar version ${version.slice(0, 10)}; Patchbay reads iCalendar 2.0 (RFC 5545) feeds.`, {
        version: version.slice(0, 10),
      });
    }
    // A feed is a document, not a service: there is no server version to report.
    return {};
  },
});
