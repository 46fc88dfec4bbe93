import homeAssistant from "./home-assistant/index.js";
import deluge from "./deluge/index.js";
import jackett from "./jackett/index.js";
import lidarr from "./lidarr/index.js";
import prowlarr from "./prowlarr/index.js";
import qBittorrent from "./qbittorrent/index.js";
import radarr from "./radarr/index.js";
import readarr from "./readarr/index.js";
import sonarr from "./sonarr/index.js";
import transmission from "./transmission/index.js";
import emby from "./emby/index.js";
import jellyfin from "./jellyfin/index.js";
import jellyseerr from "./jellyseerr/index.js";
import overseerr from "./overseerr/index.js";
import plex from "./plex/index.js";
import adguardHome from "./adguard-home/index.js";
import coolify from "./coolify/index.js";
import healthchecks from "./healthchecks/index.js";
import pihole from "./pihole/index.js";
import tdarr from "./tdarr/index.js";
import sabnzbd from "./sabnzbd/index.js";
import nzbget from "./nzbget/index.js";
import aria2 from "./aria2/index.js";
import ical from "./ical/index.js";
import { CAPABILITY_NAMES } from "../engine/capabilities.js";
import type { Category, KindDefinition, SecretKind } from "../engine/types.js";

/**
 * The catalog: every integration kind Patchbay knows, in display order (docs/api.md, "Catalog"). Each kind declares
 * itself in its own folder under src/kinds; adding a kind means adding that folder and one line here.
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
    capabilities: capabilitiesOf(d),
  }));
}

/** The capabilities a kind declares (docs/capabilities.md), in the contract's order. */
export function capabilitiesOf(def: KindDefinition): string[] {
  return CAPABILITY_NAMES.filter((c) => def.capabilities?.[c]);
}
