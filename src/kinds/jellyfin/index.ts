import { JELLYFIN, searchMediaBrowser, testMediaBrowser } from "../mediabrowser-family/adapter.js";
import { defineKind } from "../../engine/types.js";
import { mediaBrowserSessions } from "../mediabrowser-family/capabilities.js";

/**
 * Jellyfin ≥ 10.10.0 (the floor of the official SDK). `System/Ping` and `System/Info/Public` are anonymous and
 * never count as proof of the credential; see mediabrowser-family/adapter.ts for the shared protocol.
 */
export default defineKind({
  kind: "jellyfin",
  name: "Jellyfin",
  categories: ["mediaServer"],
  secretOptions: [["apiKey"], ["username", "password"]],
  defaultPort: 8096,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/jellyfin.svg",
  docsUrl: "https://jellyfin.org/docs/general/server/configuration/#api-keys",
  minVersion: JELLYFIN.minVersion,
  credentialHint: JELLYFIN.keyHint,
  test: (ctx) => testMediaBrowser(ctx, JELLYFIN),
  search: (ctx, query, limit) => searchMediaBrowser(ctx, JELLYFIN, query, limit),
  capabilities: { mediaServer: mediaBrowserSessions(JELLYFIN) },
});
