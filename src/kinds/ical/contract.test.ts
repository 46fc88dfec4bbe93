import { kindContract } from "../testing/contract.js";
import { available, debian13Available, debian13Root, startRadicale, type RealRadicale } from "./radicale-real.js";

// An iCal feed is a document, not a service: no version, no "too old". The releases that serve it here are
// Debian 12's real Radicale 3.1 and Debian 13's 3.5 (CalDAV collections are served as iCalendar feeds on GET).
const started = (rad: RealRadicale) => ({
  url: rad.url,
  secrets: [{ kind: "url" as const, value: rad.feedUrl }],
  wrongSecrets: [{ kind: "url" as const, value: rad.feedUrl.replace(`:${encodeURIComponent(rad.credentials.password)}@`, ":wrong-password-9@") }],
  version: undefined,
  close: () => rad.stop(),
});

kindContract({
  kind: "ical",
  secretsFor: (url) => [{ kind: "url", value: url }],
  releases: [
    { label: "Radicale 3.1 from Debian 12 (real)", available, start: async () => started(await startRadicale()) },
    { label: "Radicale 3.5 from Debian 13 (real, chroot)", available: debian13Available, start: async () => started(await startRadicale({ root: debian13Root })) },
  ],
});
