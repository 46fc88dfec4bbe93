import { kindContract } from "../testing/contract.js";
import { available, startRadicale } from "./radicale-real.js";

// An iCal feed is a document, not a service: no version, no "too old". The release that serves it here is
// Debian 12's real Radicale 3.1 (CalDAV collections are served as iCalendar feeds on GET).
kindContract({
  kind: "ical",
  secretsFor: (url) => [{ kind: "url", value: url }],
  releases: [
    {
      label: "Radicale 3.1 from Debian 12 (real)",
      available,
      async start() {
        const rad = await startRadicale();
        return {
          url: rad.url,
          secrets: [{ kind: "url", value: rad.feedUrl }],
          wrongSecrets: [{ kind: "url", value: rad.feedUrl.replace(`:${encodeURIComponent(rad.credentials.password)}@`, ":wrong-password-9@") }],
          version: undefined,
          close: () => rad.stop(),
        };
      },
    },
  ],
});
