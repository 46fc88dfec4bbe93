import { z } from "zod";
import type { CalendarEvent } from "../../engine/capabilities.js";
import { baseOf } from "../../engine/probe.js";
import type { Capability, TestContext } from "../../engine/types.js";
import { arrGet } from "./adapter.js";

const DAY_MS = 86_400_000;

/** Whether an event overlaps [start, end) (docs/capabilities.md: calendar.events). An all-day event without an end lasts its day. */
export function overlaps(e: CalendarEvent, start: Date, end: Date): boolean {
  const until = e.end ?? (e.allDay ? new Date(e.start.getTime() + DAY_MS) : e.start);
  if (e.start.getTime() >= end.getTime()) return false;
  return until.getTime() > start.getTime() || e.start.getTime() >= start.getTime();
}

/** The events in range, sorted by start (then title, so equal starts have a stable order). */
export function inRangeSorted(events: CalendarEvent[], start: Date, end: Date): { events: CalendarEvent[] } {
  const kept = events.filter((e) => overlaps(e, start, end));
  kept.sort((a, b) => a.start.getTime() - b.start.getTime() || a.title.localeCompare(b.title));
  return { events: kept };
}

export interface ArrCalendarSpec<S extends z.ZodType> {
  name: string;
  /** `/api/v3/calendar` (Sonarr, Radarr) or `/api/v1/calendar` (Lidarr, Readarr). */
  path: string;
  /** Query parameters besides start and end (unmonitored, includeSeries…). */
  query: Record<string, string>;
  /** One item of the answer (an episode, movie, album or book resource). */
  item: S;
  /** Maps one item to its events (a movie has up to three release dates). */
  events(item: z.output<S>, ctx: { base: string; forbidden: string[] }): CalendarEvent[];
}

/**
 * The calendar capability of an *arr: one GET of the calendar endpoint for [start, end) — every *arr reads
 * `start`/`end` as DateTime query parameters (e.g. Sonarr/Sonarr src/Sonarr.Api.V3/Calendar/CalendarController.cs,
 * v4.0.19.2979: `GetCalendar(DateTime? start, DateTime? end, bool unmonitored = false, bool includeSeries = false, …)`)
 * — mapped per kind, then cut to the range and sorted.
 */
export function arrCalendar<S extends z.ZodType>(spec: ArrCalendarSpec<S>): Capability<"calendar"> {
  return {
    async events(ctx: TestContext, { start, end }) {
      const list = await arrGet(ctx, spec, spec.path, z.array(spec.item), { start: start.toISOString(), end: end.toISOString(), ...spec.query });
      const env = { base: baseOf(ctx.url), forbidden: ctx.secrets.apiKey ? [ctx.secrets.apiKey] : [] };
      return inRangeSorted(
        list.flatMap((item) => spec.events(item, env)),
        start,
        end,
      );
    },
  };
}

/** A date-time string of the API (ISO 8601, UTC) as a Date; invalid → undefined. */
export const isoDate = z
  .string()
  .nullish()
  .transform((s) => {
    if (!s) return undefined;
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d;
  });
