import { EMBY, searchMediaBrowser, testMediaBrowser } from "../mediabrowser-family/adapter.js";
import { defineKind } from "../../engine/types.js";
import { mediaBrowserSessions } from "../mediabrowser-family/capabilities.js";

/**
 * Emby Server 4.x, API under /emby. `System/Ping` and `System/Info/Public` are anonymous and never count as
 * proof of the API key; a Jellyfin behind the URL is named as such. See mediabrowser.ts.
 */
export default defineKind({
  kind: "emby",
  name: "Emby",
  categories: ["mediaServer"],
  secretOptions: [["apiKey"]],
  defaultPort: 8096,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/emby.svg",
  docsUrl: "https://dev.emby.media/doc/restapi/API-Key-Authentication.html",
  minVersion: EMBY.minVersion,
  credentialHint: EMBY.keyHint,
  test: (ctx) => testMediaBrowser(ctx, EMBY),
  search: (ctx, query, limit) => searchMediaBrowser(ctx, EMBY, query, limit),
  capabilities: { mediaServer: mediaBrowserSessions(EMBY) },
});
