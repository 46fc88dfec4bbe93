import { z } from "zod";
import {
  CalendarEvents,
  DnsHoleSummary,
  DownloadQueue,
  EntityStates,
  IndexerList,
  MediaRequestList,
  MediaSessions,
  MonitoringStatus,
  requestFilters,
  TranscodingStatus,
  type CapabilityName,
} from "../engine/capabilities.js";
import { id } from "./inputs.js";

/**
 * The one table of docs/capabilities.md §2: per capability its read (input fields, data schema) and its
 * actions (input fields, extra result fields), with the words REST and MCP show. The routers
 * (src/api/routers/capabilities.ts) and the MCP tools (src/server/mcp.ts) are generated from it.
 */

/** A Date over tRPC (superjson); an ISO 8601 date-time string with an offset over REST and MCP (plain JSON). */
export const dateInput = z
  .union([z.date(), z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z" }).transform((s) => new Date(s))])
  .meta({ description: "ISO 8601 date-time (a Date over tRPC)" });

export interface ReadDef<S extends z.ZodRawShape = z.ZodRawShape, D extends z.ZodType = z.ZodType> {
  /** The kind's function name, also the procedure name. */
  name: string;
  input: S;
  /** Cross-field rule (calendar ranges): a message naming the field, or undefined. */
  check?: (input: never) => { path: string; message: string } | undefined;
  data: D;
  summary: string;
}

export interface ActionDef<S extends z.ZodRawShape = z.ZodRawShape, R extends z.ZodRawShape = z.ZodRawShape> {
  input: S;
  result: R;
  summary: string;
  /** What the action does to the user's service (MCP tool description). */
  does: string;
}

export interface CapabilityDef {
  /** Which services implement it, for descriptions. */
  services: string;
  read: ReadDef;
  actions: Record<string, ActionDef>;
}

const itemIds = z.array(z.string().min(1, "must not be empty").max(256, "is too long")).min(1, "give at least one item id").max(100, "at most 100 item ids");
const entityId = z
  .string()
  .regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, "must be an entity id like light.kitchen")
  .max(255, "is too long");
const integrationId = id;
const none = {} as const;

const DAY = 86_400_000;

export const CAPABILITIES = {
  downloads: {
    services: "qBittorrent, Transmission, Deluge, aria2, SABnzbd or NZBGet",
    read: {
      name: "queue",
      input: { limit: z.number().int().min(1).max(500).default(100).describe("At most this many items (1–500, default 100)") },
      data: DownloadQueue,
      summary: "The download queue: client status and items",
    } satisfies ReadDef,
    actions: {
      pause: {
        input: { integrationId, itemIds: itemIds.optional().describe("Items to pause (the client's own ids); omitted → the whole client") },
        result: none,
        summary: "Pause the whole client or some items",
        does: "Pauses downloads in the user's download client: the given items, or the whole client when no itemIds are given.",
      },
      resume: {
        input: { integrationId, itemIds: itemIds.optional().describe("Items to resume; omitted → the whole client") },
        result: none,
        summary: "Resume the whole client or some items",
        does: "Resumes downloads in the user's download client: the given items, or the whole client when no itemIds are given.",
      },
      remove: {
        input: { integrationId, itemIds: itemIds.describe("Items to remove (1–100)"), deleteFiles: z.boolean().describe("Also delete the downloaded files") },
        result: none,
        summary: "Remove items, with or without their files",
        does: "Removes the given downloads from the user's download client; with deleteFiles true their downloaded files are deleted from disk too (cannot be undone).",
      },
    },
  },
  dnsHole: {
    services: "Pi-hole or AdGuard Home",
    read: { name: "summary", input: none, data: DnsHoleSummary, summary: "Blocking status and today's figures" } satisfies ReadDef,
    actions: {
      enable: { input: { integrationId }, result: none, summary: "Turn blocking on", does: "Turns ad blocking back on in the user's Pi-hole or AdGuard Home." },
      disable: {
        input: { integrationId, durationSeconds: z.number().int().min(1).max(86_400).optional().describe("Re-enable after this many seconds (1–86400); omitted → until enabled again") },
        result: none,
        summary: "Turn blocking off, for a while or until enabled",
        does: "Turns ad blocking off in the user's Pi-hole or AdGuard Home (for durationSeconds, or until enabled again): every device on that network stops being filtered.",
      },
    },
  },
  mediaRequests: {
    services: "Overseerr or Jellyseerr",
    read: {
      name: "list",
      input: {
        filter: z.enum(requestFilters).default("all").describe("Which requests (default all)"),
        limit: z.number().int().min(1).max(100).default(20).describe("At most this many requests (1–100, default 20)"),
      },
      data: MediaRequestList,
      summary: "Media requests with counts",
    } satisfies ReadDef,
    actions: {
      approve: {
        input: { integrationId, requestId: z.number().int().min(1).describe("The request's id") },
        result: none,
        summary: "Approve a request",
        does: "Approves a media request in the user's Overseerr/Jellyseerr, which then sends it to Sonarr/Radarr to be downloaded.",
      },
      decline: {
        input: { integrationId, requestId: z.number().int().min(1).describe("The request's id") },
        result: none,
        summary: "Decline a request",
        does: "Declines a media request in the user's Overseerr/Jellyseerr (the requester is told).",
      },
    },
  },
  mediaServer: {
    services: "Plex, Jellyfin or Emby",
    read: { name: "sessions", input: none, data: MediaSessions, summary: "Who is watching or listening now" } satisfies ReadDef,
    actions: {},
  },
  calendar: {
    services: "Sonarr, Radarr, Lidarr, Readarr or an iCal feed",
    read: {
      name: "events",
      input: { start: dateInput.describe("Start of the range"), end: dateInput.describe("End of the range (after start, at most 92 days later)") },
      check: (v: { start: Date; end: Date }) =>
        v.end.getTime() <= v.start.getTime()
          ? { path: "end", message: "must be after start" }
          : v.end.getTime() - v.start.getTime() > 92 * DAY
            ? { path: "end", message: "must be at most 92 days after start" }
            : undefined,
      data: CalendarEvents,
      summary: "Events in a date range, sorted by start",
    } satisfies ReadDef,
    actions: {},
  },
  indexers: {
    services: "Prowlarr or Jackett",
    read: { name: "list", input: none, data: IndexerList, summary: "Indexers with their health" } satisfies ReadDef,
    actions: {
      testAll: {
        input: { integrationId },
        result: { failed: z.number().int().nonnegative().describe("How many indexers failed the test") },
        summary: "Test every indexer",
        does: "Makes the user's Prowlarr/Jackett test every indexer (one search request to each indexer site); answers how many failed.",
      },
    },
  },
  smartHome: {
    services: "Home Assistant",
    read: {
      name: "states",
      input: { entityIds: z.array(entityId).min(1, "give at least one entity id").max(100, "at most 100 entity ids").describe("Entity ids, e.g. light.kitchen (1–100)") },
      data: EntityStates,
      summary: "States of the given entities (unknown ids left out)",
    } satisfies ReadDef,
    actions: {
      toggle: { input: { integrationId, entityId }, result: none, summary: "Toggle an entity", does: "Toggles a device in the user's Home Assistant (a light, switch, fan… goes on if off, off if on)." },
      turnOn: { input: { integrationId, entityId }, result: none, summary: "Turn an entity on", does: "Turns a device on in the user's Home Assistant (light, switch, fan…)." },
      turnOff: { input: { integrationId, entityId }, result: none, summary: "Turn an entity off", does: "Turns a device off in the user's Home Assistant (light, switch, fan…)." },
      trigger: {
        input: { integrationId, entityId },
        result: none,
        summary: "Trigger an automation or run a script",
        does: "Triggers an automation or runs a script in the user's Home Assistant (whatever it does to the home happens now).",
      },
    },
  },
  monitoring: {
    services: "Healthchecks or Coolify",
    read: { name: "status", input: none, data: MonitoringStatus, summary: "Status of the monitored checks or resources" } satisfies ReadDef,
    actions: {},
  },
  transcoding: {
    services: "Tdarr",
    read: { name: "status", input: none, data: TranscodingStatus, summary: "Queue and worker figures" } satisfies ReadDef,
    actions: {},
  },
} as const satisfies Record<CapabilityName, CapabilityDef>;
