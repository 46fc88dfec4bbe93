import { defineKind } from "../../engine/types.js";
import { downloads } from "./capabilities.js";
import { HINT, openSession, readVersion } from "./session.js";

/**
 * qBittorrent WebUI API v2 (4.1 and later): username/password (a session cookie, logged out again) or, from
 * 5.2, an API key. The login's answer changed in 5.2 (see session.ts).
 */
export default defineKind({
  kind: "qBittorrent",
  name: "qBittorrent",
  categories: ["download"],
  secretOptions: [["username", "password"], ["apiKey"]],
  defaultPort: 8080,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/qbittorrent.svg",
  docsUrl: "https://github.com/qbittorrent/qBittorrent/wiki/WebUI-API-(qBittorrent-4.1)",
  minVersion: "4.1",
  credentialHint: HINT,
  async test(ctx) {
    return { version: await readVersion(ctx, await openSession(ctx)) };
  },
  capabilities: { downloads },
});
