import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarEvents } from "../../engine/capabilities.js";
import { calendarOf, runCapability } from "../testing/arr-family.js";
import { startFakeServer, type FakeServer } from "../testing/server.js";
import ical from "./index.js";
import { available, debian13Available, debian13Root, startRadicale, type RealRadicale } from "./radicale-real.js";

const cal = calendarOf(ical);
const range = { start: new Date("2026-03-01T00:00:00Z"), end: new Date("2026-04-06T00:00:00Z") };
const vcal = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Patchbay tests//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");

// VTIMEZONE definitions as calendar clients export them (RFC 5545 §3.6.5), with the current DST rules.
const BERLIN = [
  "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
  "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
  "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
  "END:VTIMEZONE",
];
// Outlook names zones the Windows way; only the feed's VTIMEZONE says what "Eastern Standard Time" is.
const NEW_YORK = [
  "BEGIN:VTIMEZONE", "TZID:Eastern Standard Time",
  "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT", "DTSTART:19700308T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT",
  "BEGIN:STANDARD", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST", "DTSTART:19701101T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "END:STANDARD",
  "END:VTIMEZONE",
];
const STAMP = "DTSTAMP:20260101T000000Z";

const radicales = [
  { label: "Radicale 3.1 from Debian 12", available, root: undefined },
  { label: "Radicale 3.5 from Debian 13 (chroot)", available: debian13Available, root: debian13Root },
];

describe.each(radicales)("ical calendar against the real $label", ({ available: up, root }) => {
  if (!up()) return it.skip("not installed here (see the warning above)");
  let rad: RealRadicale;
  let feed: string;
  beforeAll(async () => {
    rad = await startRadicale({ root });
    // A weekly meeting in Berlin time across the DST change, one week cancelled (EXDATE), one moved
    // (RECURRENCE-ID override in the same resource); its URL is the feed URL itself (a secret: must not come out).
    const weekly = vcal(
      ...BERLIN,
      "BEGIN:VEVENT", "UID:standup@patchbay.test", STAMP, "SUMMARY:Standup", "LOCATION:Room 1",
      "DTSTART;TZID=Europe/Berlin:20260302T090000", "DTEND;TZID=Europe/Berlin:20260302T091500",
      "RRULE:FREQ=WEEKLY;COUNT=10", "EXDATE;TZID=Europe/Berlin:20260316T090000", "URL:__FEED__", "END:VEVENT",
      "BEGIN:VEVENT", "UID:standup@patchbay.test", STAMP, "SUMMARY:Standup (moved)",
      "RECURRENCE-ID;TZID=Europe/Berlin:20260323T090000", "DTSTART;TZID=Europe/Berlin:20260323T110000", "DTEND;TZID=Europe/Berlin:20260323T111500", "END:VEVENT",
    );
    const newYork = vcal(...NEW_YORK, "BEGIN:VEVENT", "UID:nyc@patchbay.test", STAMP, "SUMMARY:Call with NYC", "DTSTART;TZID=Eastern Standard Time:20260310T183000", "DTEND;TZID=Eastern Standard Time:20260310T193000", "END:VEVENT");
    const allDay = vcal("BEGIN:VEVENT", "UID:party@patchbay.test", STAMP, "SUMMARY:Spring party", "DTSTART;VALUE=DATE:20260320", "DTEND;VALUE=DATE:20260321", "URL:https://example.org/party", "END:VEVENT");
    const outside = vcal("BEGIN:VEVENT", "UID:later@patchbay.test", STAMP, "SUMMARY:Later", "DTSTART:20260501T100000Z", "DTEND:20260501T110000Z", "END:VEVENT");
    const name = `cap-${Math.random().toString(36).slice(2, 8)}`;
    const feedOf = `http://${rad.credentials.username}:${rad.credentials.password}@127.0.0.1:${rad.port}/${rad.credentials.username}/${name}/`;
    feed = await rad.createCalendarWith(name, [weekly.replace("__FEED__", feedOf), newYork, allDay, outside]);
    expect(feed).toBe(feedOf);
  }, 30_000);
  afterAll(() => rad?.stop());

  it("events put through CalDAV come back expanded within the range: RRULE, EXDATE, override, TZID with VTIMEZONE, all-day", async () => {
    const r = await runCapability(ical, rad.url, { url: feed }, (ctx) => cal.events(ctx, range), 10_000);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    CalendarEvents.parse(r.value);
    const standup = (iso: string, end: string, title = "Standup") => ({
      id: `standup@patchbay.test/${iso}`, title, subtitle: title === "Standup" ? "Room 1" : undefined, start: new Date(iso), end: new Date(end), allDay: false, type: "event", link: undefined,
    });
    expect(r.value.events).toEqual([
      // 09:00 CET = 08:00Z until the DST change on 29 March, then 09:00 CEST = 07:00Z.
      standup("2026-03-02T08:00:00.000Z", "2026-03-02T08:15:00Z"),
      standup("2026-03-09T08:00:00.000Z", "2026-03-09T08:15:00Z"),
      // 18:30 EDT (New York changed on 8 March) = 22:30Z.
      { id: "nyc@patchbay.test", title: "Call with NYC", subtitle: undefined, start: new Date("2026-03-10T22:30:00Z"), end: new Date("2026-03-10T23:30:00Z"), allDay: false, type: "event", link: undefined },
      // 16 March is an EXDATE: no event.
      { id: "party@patchbay.test", title: "Spring party", subtitle: undefined, start: new Date("2026-03-20T00:00:00Z"), end: new Date("2026-03-21T00:00:00Z"), allDay: true, type: "event", link: "https://example.org/party" },
      // The override keeps the occurrence's id (its RECURRENCE-ID slot) but moves it to 11:00 CET.
      { ...standup("2026-03-23T10:00:00.000Z", "2026-03-23T10:15:00Z", "Standup (moved)") },
      standup("2026-03-30T07:00:00.000Z", "2026-03-30T07:15:00Z"),
    ]);
    // The feed URL, its password and host never appear in the answer.
    const text = JSON.stringify(r.value);
    for (const secret of [feed, rad.credentials.password, `127.0.0.1:${rad.port}`]) expect(text).not.toContain(secret);
  });

  it("a wrong password in the feed URL is INVALID_CREDENTIALS without the feed URL", async () => {
    const wrong = feed.replace(`:${rad.credentials.password}@`, ":not-the-password@");
    const r = await runCapability(ical, rad.url, { url: wrong }, (ctx) => cal.events(ctx, range), 10_000);
    expect(!r.ok && r.error.code).toBe("INVALID_CREDENTIALS");
    expect(JSON.stringify(r)).not.toContain(`127.0.0.1:${rad.port}`);
  });
});

describe("ical calendar against served feeds", () => {
  let server: FakeServer;
  const feeds: Record<string, { status: number; body: string }> = {};
  beforeAll(async () => {
    server = await startFakeServer((req, res) => {
      const f = feeds[req.url.split("?")[0]!] ?? { status: 404, body: "" };
      res.writeHead(f.status, { "content-type": "text/calendar" });
      res.end(f.body);
    });
  });
  afterAll(() => server?.close());
  const read = (path: string) => runCapability(ical, "http://calendar.example", { url: `${server.url}${path}?token=s3cret-feed-token` }, (ctx) => cal.events(ctx, range));

  it("an IANA TZID without VTIMEZONE, RDATE, a floating time and a daily rule from years ago", async () => {
    feeds["/mixed.ics"] = {
      status: 200,
      body: vcal(
        "BEGIN:VEVENT", "UID:tokyo", STAMP, "SUMMARY:Tokyo", "DTSTART;TZID=Asia/Tokyo:20260305T090000", "DTEND;TZID=Asia/Tokyo:20260305T100000", "RDATE;TZID=Asia/Tokyo:20260312T090000", "END:VEVENT",
        "BEGIN:VEVENT", "UID:floating", STAMP, "SUMMARY:Floating", "DTSTART:20260304T120000", "END:VEVENT",
        "BEGIN:VEVENT", "UID:daily", STAMP, "SUMMARY:Daily", "DTSTART:20100101T060000Z", "DURATION:PT30M", "RRULE:FREQ=DAILY;UNTIL=20260302T235959Z", "END:VEVENT",
      ),
    };
    const r = await read("/mixed.ics");
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.events.map((e) => [e.id, e.start.toISOString(), e.end?.toISOString() ?? null])).toEqual([
      ["daily/2026-03-01T06:00:00.000Z", "2026-03-01T06:00:00.000Z", "2026-03-01T06:30:00.000Z"],
      ["daily/2026-03-02T06:00:00.000Z", "2026-03-02T06:00:00.000Z", "2026-03-02T06:30:00.000Z"],
      // A floating time is wall-clock time, read in the server's zone.
      ["floating", new Date(2026, 2, 4, 12, 0, 0).toISOString(), null],
      ["tokyo/2026-03-05T00:00:00.000Z", "2026-03-05T00:00:00.000Z", "2026-03-05T01:00:00.000Z"],
      ["tokyo/2026-03-12T00:00:00.000Z", "2026-03-12T00:00:00.000Z", "2026-03-12T01:00:00.000Z"],
    ]);
  });

  it("an unparsable feed is UNEXPECTED_RESPONSE, a refused one INVALID_CREDENTIALS, a missing one HTTP_ERROR; no feed URL in any", async () => {
    feeds["/broken.ics"] = { status: 200, body: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:notadate\r\nEND:VCALENDAR\r\n" };
    feeds["/locked.ics"] = { status: 401, body: "" };
    const results = await Promise.all([read("/broken.ics"), read("/locked.ics"), read("/gone.ics")]);
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(["UNEXPECTED_RESPONSE", "INVALID_CREDENTIALS", "HTTP_ERROR"]);
    for (const r of results) {
      expect(JSON.stringify(r)).not.toContain("s3cret-feed-token");
      expect(JSON.stringify(r)).not.toContain(String(server.port));
    }
  });
});
