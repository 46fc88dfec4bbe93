import type { IntegrationItem } from "../../api";
import type { Capability, CardInputs } from "./live";

export type CalendarView = "agenda" | "month";
export interface Pin {
  integrationId: string;
  entityId: string;
}

const DAY = 86_400_000;

/** The range a calendar view reads: the next two weeks (agenda) or the six weeks around this month (grid, Monday first). */
export function rangeOf(view: CalendarView, today: Date): { start: Date; end: Date } {
  const start = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  if (view === "agenda") return { start, end: new Date(start.getTime() + 14 * DAY) };
  const first = new Date(today.getFullYear(), today.getMonth(), 1);
  const gridStart = new Date(first.getFullYear(), first.getMonth(), 1 - ((first.getDay() + 6) % 7));
  return { start: gridStart, end: new Date(gridStart.getFullYear(), gridStart.getMonth(), gridStart.getDate() + 42) };
}

/** Smart-home integrations with at least one pinned entity, and the pinned entity ids. */
export function pinnedIn(integrations: IntegrationItem[], pins: Pin[]) {
  const homes = integrations.filter((i) => pins.some((p) => p.integrationId === i.id));
  const entityIds = [...new Set(pins.filter((p) => homes.some((i) => i.id === p.integrationId)).map((p) => p.entityId))].sort();
  return { homes, entityIds };
}

/** What each shown card reads (one place, so the stream and the cards agree). */
export function cardInputs(cards: [Capability, IntegrationItem[]][], opts: { pins: Pin[]; view: CalendarView; today: Date }): CardInputs {
  const out: CardInputs = {};
  for (const [c, integrations] of cards) {
    const integrationIds = integrations.map((i) => i.id);
    if (!integrationIds.length) continue;
    if (c === "downloads") out.downloads = { integrationIds, limit: 100 };
    else if (c === "mediaRequests") out.mediaRequests = { integrationIds, filter: "all", limit: 20 };
    else if (c === "calendar") out.calendar = { integrationIds, ...rangeOf(opts.view, opts.today) };
    else if (c === "smartHome") {
      const { homes, entityIds } = pinnedIn(integrations, opts.pins);
      if (homes.length && entityIds.length) out.smartHome = { integrationIds: homes.map((h) => h.id), entityIds };
    } else out[c] = { integrationIds };
  }
  return out;
}
