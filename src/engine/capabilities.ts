import { z } from "zod";

/**
 * The capabilities a kind can implement (docs/capabilities.md): typed reads (`use`) and actions (`interact`)
 * over the service behind an integration. A kind declares the ones it has in its definition
 * (`capabilities: { downloads: {...} }`); the capability service (src/services/capabilities.ts) owns
 * permissions, deadlines, fan-out, caching and live updates, so an implementation only talks to its service.
 *
 * Every function gets the same context as a connection test (base URL, decrypted secrets, the shared outbound
 * client under one deadline, cleanups for logouts) and throws `TestFailure` (or lets the outbound client
 * throw) on failure: the service turns it into the envelope's `{code, message}`. Upstream answers are parsed
 * with schemas (src/engine/kit.ts). Results must match the shapes below exactly: the service validates them
 * with these schemas, and an implementation that returns something else is a bug (UNEXPECTED_RESPONSE).
 * An action resolves only when the service's own answer confirmed it.
 */

// ---- shapes (names and fields fixed by docs/capabilities.md; extra fields allowed, never secrets) ----

export const downloadStates = ["downloading", "seeding", "paused", "queued", "stalled", "checking", "completed", "failed", "unknown"] as const;

export const DownloadItem = z.object({
  /** The client's own id: torrent hash, NZB id, aria2 gid. */
  id: z.string(),
  name: z.string(),
  type: z.enum(["torrent", "usenet", "direct"]),
  state: z.enum(downloadStates),
  progress: z.number().min(0).max(1),
  /** Bytes. */
  size: z.number().nonnegative(),
  downloaded: z.number().nonnegative().optional(),
  uploaded: z.number().nonnegative().optional(),
  /** Bytes per second. */
  downSpeed: z.number().nonnegative().optional(),
  upSpeed: z.number().nonnegative().optional(),
  /** Seconds; null when unknown. */
  eta: z.number().nonnegative().nullable().optional(),
  addedAt: z.date().optional(),
  category: z.string().optional(),
});
export type DownloadItem = z.infer<typeof DownloadItem>;

export const DownloadQueue = z.object({
  status: z.object({ paused: z.boolean(), downSpeed: z.number().nonnegative(), upSpeed: z.number().nonnegative().optional() }),
  items: z.array(DownloadItem),
});
export type DownloadQueue = z.infer<typeof DownloadQueue>;

export const DnsHoleSummary = z.object({
  status: z.enum(["enabled", "disabled"]),
  disabledUntil: z.date().nullable(),
  queriesToday: z.number().nonnegative(),
  blockedToday: z.number().nonnegative(),
  /** 0..100. */
  blockedPercentage: z.number().min(0).max(100),
  domainsOnBlocklist: z.number().nonnegative(),
});
export type DnsHoleSummary = z.infer<typeof DnsHoleSummary>;

export const requestFilters = ["pending", "approved", "available", "declined", "all"] as const;
export type RequestFilter = (typeof requestFilters)[number];

export const MediaRequest = z.object({
  id: z.number().int(),
  mediaType: z.enum(["movie", "tv"]),
  tmdbId: z.number().int().optional(),
  title: z.string(),
  year: z.number().int().optional(),
  posterUrl: z.string().optional(),
  status: z.enum(["pending", "approved", "declined", "failed", "completed"]),
  availability: z.enum(["unknown", "pending", "processing", "partial", "available"]),
  requestedBy: z.object({ name: z.string(), avatarUrl: z.string().optional() }),
  createdAt: z.date(),
  link: z.string(),
});
export type MediaRequest = z.infer<typeof MediaRequest>;

export const MediaRequestList = z.object({
  requests: z.array(MediaRequest),
  counts: z.object({
    pending: z.number().int().nonnegative(),
    approved: z.number().int().nonnegative(),
    declined: z.number().int().nonnegative(),
    available: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
});
export type MediaRequestList = z.infer<typeof MediaRequestList>;

export const PlaybackSession = z.object({
  id: z.string(),
  user: z.object({ name: z.string() }),
  title: z.string(),
  type: z.enum(["movie", "episode", "track", "other"]),
  series: z.string().optional(),
  state: z.enum(["playing", "paused", "buffering", "unknown"]),
  positionMs: z.number().nonnegative().optional(),
  durationMs: z.number().nonnegative().optional(),
  transcoding: z.boolean(),
  device: z.string().optional(),
  client: z.string().optional(),
});
export type PlaybackSession = z.infer<typeof PlaybackSession>;

export const MediaSessions = z.object({ sessions: z.array(PlaybackSession) });
export type MediaSessions = z.infer<typeof MediaSessions>;

export const CalendarEvent = z.object({
  id: z.string(),
  title: z.string(),
  subtitle: z.string().optional(),
  start: z.date(),
  end: z.date().nullable(),
  allDay: z.boolean(),
  /** "episode", "movie", "album", "book", "event"… */
  type: z.string().optional(),
  link: z.string().optional(),
  image: z.string().optional(),
});
export type CalendarEvent = z.infer<typeof CalendarEvent>;

export const CalendarEvents = z.object({ events: z.array(CalendarEvent) });
export type CalendarEvents = z.infer<typeof CalendarEvents>;

export const Indexer = z.object({ id: z.string(), name: z.string(), enabled: z.boolean(), healthy: z.boolean(), message: z.string().optional() });
export const IndexerList = z.object({ indexers: z.array(Indexer) });
export type IndexerList = z.infer<typeof IndexerList>;

export const Entity = z.object({
  entityId: z.string(),
  state: z.string(),
  friendlyName: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()),
  lastChanged: z.date(),
});
export const EntityStates = z.object({ entities: z.array(Entity) });
export type EntityStates = z.infer<typeof EntityStates>;

export const MonitoringItem = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["up", "down", "degraded", "paused", "unknown"]),
  detail: z.string().optional(),
  lastCheckedAt: z.date().optional(),
  link: z.string().optional(),
});
export const MonitoringStatus = z.object({ items: z.array(MonitoringItem) });
export type MonitoringStatus = z.infer<typeof MonitoringStatus>;

export const TranscodingStatus = z.object({
  queued: z.number().nonnegative(),
  processed: z.number().nonnegative(),
  errored: z.number().nonnegative(),
  savedBytes: z.number(),
  workers: z.number().nonnegative(),
});
export type TranscodingStatus = z.infer<typeof TranscodingStatus>;

// ---- what a kind implements ----
// Generic over the context type (src/engine/types.ts passes its TestContext) so this file imports nothing
// from types.ts and the two do not form an import cycle.

export interface DownloadsCapability<Ctx> {
  queue(ctx: Ctx, input: { limit: number }): Promise<DownloadQueue>;
  /** `itemIds` omitted: the whole client. */
  pause(ctx: Ctx, input: { itemIds?: string[] }): Promise<void>;
  resume(ctx: Ctx, input: { itemIds?: string[] }): Promise<void>;
  remove(ctx: Ctx, input: { itemIds: string[]; deleteFiles: boolean }): Promise<void>;
}

export interface DnsHoleCapability<Ctx> {
  summary(ctx: Ctx): Promise<DnsHoleSummary>;
  enable(ctx: Ctx): Promise<void>;
  /** `durationSeconds` omitted: until enabled again. */
  disable(ctx: Ctx, input: { durationSeconds?: number }): Promise<void>;
}

export interface MediaRequestsCapability<Ctx> {
  list(ctx: Ctx, input: { filter: RequestFilter; limit: number }): Promise<MediaRequestList>;
  approve(ctx: Ctx, input: { requestId: number }): Promise<void>;
  decline(ctx: Ctx, input: { requestId: number }): Promise<void>;
}

export interface MediaServerCapability<Ctx> {
  sessions(ctx: Ctx): Promise<MediaSessions>;
}

export interface CalendarCapability<Ctx> {
  /** Events overlapping [start, end); recurrences expanded within the range; sorted by start. */
  events(ctx: Ctx, input: { start: Date; end: Date }): Promise<CalendarEvents>;
}

export interface IndexersCapability<Ctx> {
  list(ctx: Ctx): Promise<IndexerList>;
  /** Tests every indexer; resolves with how many failed. */
  testAll(ctx: Ctx): Promise<{ failed: number }>;
}

export interface SmartHomeCapability<Ctx> {
  /** Unknown entity ids are omitted. */
  states(ctx: Ctx, input: { entityIds: string[] }): Promise<EntityStates>;
  toggle(ctx: Ctx, input: { entityId: string }): Promise<void>;
  turnOn(ctx: Ctx, input: { entityId: string }): Promise<void>;
  turnOff(ctx: Ctx, input: { entityId: string }): Promise<void>;
  /** Automations and scripts. */
  trigger(ctx: Ctx, input: { entityId: string }): Promise<void>;
}

export interface MonitoringCapability<Ctx> {
  status(ctx: Ctx): Promise<MonitoringStatus>;
}

export interface TranscodingCapability<Ctx> {
  status(ctx: Ctx): Promise<TranscodingStatus>;
}

export interface Capabilities<Ctx> {
  downloads?: DownloadsCapability<Ctx>;
  dnsHole?: DnsHoleCapability<Ctx>;
  mediaRequests?: MediaRequestsCapability<Ctx>;
  mediaServer?: MediaServerCapability<Ctx>;
  calendar?: CalendarCapability<Ctx>;
  indexers?: IndexersCapability<Ctx>;
  smartHome?: SmartHomeCapability<Ctx>;
  monitoring?: MonitoringCapability<Ctx>;
  transcoding?: TranscodingCapability<Ctx>;
}

export type CapabilityName = keyof Capabilities<unknown>;
export const CAPABILITY_NAMES = ["downloads", "dnsHole", "mediaRequests", "mediaServer", "calendar", "indexers", "smartHome", "monitoring", "transcoding"] as const satisfies readonly CapabilityName[];
