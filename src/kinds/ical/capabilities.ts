import type ICALModule from "ical.js";
import type { CalendarEvent } from "../../engine/capabilities.js";
import { TestFailure, type Capability } from "../../engine/types.js";
import { inRangeSorted } from "../arr-family/calendar.js";
import { publicUrl } from "../arr-family/links.js";
import { feedUrl, loadFeed } from "./feed.js";

type ICAL = typeof ICALModule;
type Time = InstanceType<ICAL["Time"]>;
type Event = InstanceType<ICAL["Event"]>;
// ical.js is loaded on the first calendar read, not at server start (idle memory; README "Performance").
let icalModule: Promise<ICAL> | undefined;
const loadIcal = () => (icalModule ??= import("ical.js").then((m) => m.default));

const DAY_MS = 86_400_000;
/** Occurrences walked per recurring event at most (a daily event since 1990 is ~13 000): bounds CPU on hostile feeds. */
const MAX_OCCURRENCES = 50_000;

/**
 * The calendar capability of an iCal feed (RFC 5545), parsed and expanded with ical.js (pinned 2.2.1):
 * - recurrence: RRULE, RDATE and EXDATE through `Event.iterator()`, and overridden instances (RECURRENCE-ID)
 *   through `relateException` + `getOccurrenceDetails` (RFC 5545 §3.8.5);
 * - time zones: DATE-TIME with TZID resolves against the feed's own VTIMEZONE (ical.js looks it up in the
 *   component tree); a TZID with no VTIMEZONE that is an IANA name (common in exported feeds) is converted with
 *   the runtime's time-zone data; UTC ("Z") as is; floating times (no TZID, no Z, §3.3.5) are read in the
 *   Patchbay server's own zone;
 * - all-day (VALUE=DATE) events start at 00:00 UTC of their date and end at DTEND (exclusive) or a day later.
 * Links: the event's URL property, when it is public and not on the feed's host (the feed URL is a secret).
 */
export const calendar: Capability<"calendar"> = {
  async events(ctx, { start, end }) {
    const [text, ICAL] = await Promise.all([loadFeed(ctx), loadIcal()]);
    let root: InstanceType<ICAL["Component"]>;
    try {
      root = new ICAL.Component(ICAL.parse(text));
    } catch {
      throw new TestFailure("UNEXPECTED_RESPONSE", "The feed URL returned an iCalendar document Patchbay cannot parse (RFC 5545 syntax error).");
    }
    const feed = feedUrl(ctx.secrets.url);
    const linkOk = (v: string | undefined) => {
      const url = publicUrl(v, [ctx.secrets.url ?? "", feed.toString()]);
      return url && new URL(url).hostname !== feed.hostname ? url : undefined;
    };
    return inRangeSorted(expand(ICAL, root, start, end, linkOk), start, end);
  },
};

function expand(ICAL: ICAL, root: InstanceType<ICAL["Component"]>, start: Date, end: Date, linkOk: (v: string | undefined) => string | undefined): CalendarEvent[] {
  const masters = new Map<string, Event>();
  const orphans: Event[] = [];
  const exceptions: Event[] = [];
  for (const comp of root.getAllSubcomponents("vevent")) {
    const ev = new ICAL.Event(comp);
    if (!comp.hasProperty("dtstart")) continue; // RFC 5545 allows no VEVENT without DTSTART in a feed (no METHOD)
    if (ev.isRecurrenceException()) exceptions.push(ev);
    else if (ev.uid && !masters.has(ev.uid)) masters.set(ev.uid, ev);
    else orphans.push(ev);
  }
  for (const ex of exceptions) {
    const master = masters.get(ex.uid);
    if (master) master.relateException(ex);
    else orphans.push(ex); // an override whose series is not in the feed: show it as it stands
  }
  const out: CalendarEvent[] = [];
  for (const ev of [...masters.values(), ...orphans]) {
    if (!ev.isRecurring() || ev.isRecurrenceException()) {
      out.push(toEvent(ev, ev.startDate, ev.endDate, false, linkOk));
      continue;
    }
    const it = ev.iterator();
    const seen = new Set<string>();
    const emit = (time: Time) => {
      seen.add(time.toString());
      const d = ev.getOccurrenceDetails(time);
      const e = toEvent(d.item, d.startDate, d.endDate, true, linkOk);
      if (toDate(d.endDate, d.item).getTime() > start.getTime() || e.start.getTime() >= start.getTime()) out.push(e);
      return e;
    };
    for (let n = 0, next = it.next(); next && n < MAX_OCCURRENCES; n++, next = it.next()) {
      if (emit(next).start.getTime() >= end.getTime()) break;
    }
    // DTSTART is the first instance of the recurrence set (RFC 5545 §3.8.5.2); ical.js 2.2.1 leaves it out when
    // the set is RDATEs only (RecurExpansion._init seeds from the RDATE list), so add it back.
    if (!ev.component.hasProperty("rrule") && !seen.has(ev.startDate.toString())) emit(ev.startDate);
  }
  return out;
}

function toEvent(item: Event, startTime: Time, endTime: Time, recurring: boolean, linkOk: (v: string | undefined) => string | undefined): CalendarEvent {
  const allDay = startTime.isDate;
  const startAt = toDate(startTime, item);
  let endAt: Date | null = endTime ? toDate(endTime, item, "dtend") : null;
  if (allDay && (!endAt || endAt.getTime() <= startAt.getTime())) endAt = new Date(startAt.getTime() + DAY_MS);
  if (!allDay && endAt && endAt.getTime() <= startAt.getTime()) endAt = null;
  const uid = item.uid || `event-${startAt.getTime()}`;
  const url = item.component.getFirstPropertyValue("url");
  return {
    // One id per occurrence: the UID, plus the occurrence's start for recurring events (its RECURRENCE-ID).
    id: recurring ? `${uid}/${startAt.toISOString()}` : uid,
    title: item.summary || "(no title)",
    subtitle: item.location || undefined,
    start: startAt,
    end: endAt,
    allDay,
    type: "event",
    link: linkOk(typeof url === "string" ? url : undefined),
  };
}

/** An ical.js time as an instant (see the capability's comment for the rules). */
function toDate(t: Time, item: Event, prop: "dtstart" | "dtend" = "dtstart"): Date {
  if (t.isDate) return new Date(Date.UTC(t.year, t.month - 1, t.day));
  if (t.zone?.tzid === "floating") {
    const tzid = item.component.getFirstProperty(prop)?.getParameter("tzid") ?? item.component.getFirstProperty("dtstart")?.getParameter("tzid");
    const zoned = typeof tzid === "string" ? fromIanaZone(t, tzid) : undefined;
    if (zoned) return zoned;
  }
  return t.toJSDate();
}

/** Wall-clock time in an IANA zone → instant, with Intl's zone data; undefined when the zone is unknown. */
function fromIanaZone(t: Time, tzid: string): Date | undefined {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone: tzid, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  } catch {
    return undefined;
  }
  const offset = (ms: number) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - ms;
  };
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  // Two passes settle the offset across a DST change.
  let ms = wall - offset(wall);
  ms = wall - offset(ms);
  return new Date(ms);
}
