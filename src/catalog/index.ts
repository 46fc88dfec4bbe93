import homeAssistant from "../integrations/home-assistant.js";
import deluge from "../integrations/deluge.js";
import jackett from "../integrations/jackett.js";
import lidarr from "../integrations/lidarr.js";
import prowlarr from "../integrations/prowlarr.js";
import qBittorrent from "../integrations/qbittorrent.js";
import radarr from "../integrations/radarr.js";
import readarr from "../integrations/readarr.js";
import sonarr from "../integrations/sonarr.js";
import transmission from "../integrations/transmission.js";
import emby from "../integrations/emby.js";
import jellyfin from "../integrations/jellyfin.js";
import jellyseerr from "../integrations/jellyseerr.js";
import overseerr from "../integrations/overseerr.js";
import plex from "../integrations/plex.js";
import adguardHome from "../integrations/adguard-home.js";
import coolify from "../integrations/coolify.js";
import healthchecks from "../integrations/healthchecks.js";
import pihole from "../integrations/pihole.js";
import tdarr from "../integrations/tdarr.js";
import sabnzbd from "../integrations/sabnzbd.js";
import nzbget from "../integrations/nzbget.js";
import aria2 from "../integrations/aria2.js";
import ical from "../integrations/ical.js";
import type { Category, KindDefinition, SecretKind } from "../integrations/types.js";

/**
 * The catalog: every integration kind Patchbay knows, in display order (contract §8). Each kind declares
 * itself in its own file under src/integrations; adding a kind means adding that file and one line here.
 */
const definitions = [plex, jellyfin, emby, overseerr, jellyseerr, qBittorrent, transmission, deluge, sabnzbd, nzbget, aria2, sonarr, radarr, lidarr, readarr, prowlarr, jackett, pihole, adguardHome, homeAssistant, ical, tdarr, healthchecks, coolify] as const;

export type KindId = (typeof definitions)[number]["kind"];

export const kinds: ReadonlyMap<string, KindDefinition> = new Map(definitions.map((d) => [d.kind, d as KindDefinition]));
export const kindIds = definitions.map((d) => d.kind) as KindId[];
const order = new Map<string, number>(kindIds.map((k, i) => [k, i]));

export function kindOrder(kind: string): number {
  return order.get(kind) ?? Number.MAX_SAFE_INTEGER;
}

export function getKind(kind: string): KindDefinition | undefined {
  return kinds.get(kind);
}

export function categoriesOf(def: KindDefinition): Category[] {
  return def.search ? [...def.categories, "search"] : [...def.categories];
}

export function kindsInCategory(category: Category): string[] {
  return [...kinds.values()].filter((d) => categoriesOf(d).includes(category)).map((d) => d.kind);
}

export function describeSecretOptions(def: KindDefinition): string {
  return def.secretOptions.map((o) => (o.length ? `[${o.join(", ")}]` : "no secret")).join(" or ");
}

/** The secret option the given kinds satisfy exactly, or undefined. */
export function matchSecretOption(def: KindDefinition, given: readonly SecretKind[]): SecretKind[] | undefined {
  const set = new Set(given);
  return def.secretOptions.find((o) => o.length === set.size && o.every((k) => set.has(k)));
}

/** The public view of the catalog served by integration.getKinds. */
export function catalogView() {
  return [...kinds.values()].map((d) => ({
    kind: d.kind,
    name: d.name,
    categories: categoriesOf(d),
    secretOptions: d.secretOptions.map((o) => [...o]),
    defaultPort: d.defaultPort,
    supportsSearch: Boolean(d.search),
    iconUrl: d.iconUrl,
    docsUrl: d.docsUrl,
    minVersion: d.minVersion ?? null,
  }));
}
