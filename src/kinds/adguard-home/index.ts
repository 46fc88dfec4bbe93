import { defineKind } from "../../engine/types.js";
import { HINT, status } from "./api.js";
import { dnsHole } from "./capabilities.js";

/**
 * AdGuard Home control API (./api.ts): `GET /control/status` proves all three things at once (its body names the
 * version and the protection state). Note: with no users configured AdGuard Home checks nothing, so any
 * credentials pass (nothing to detect there).
 */
export default defineKind({
  kind: "adguardHome",
  name: "AdGuard Home",
  categories: ["dnsHole"],
  secretOptions: [["username", "password"]],
  defaultPort: 3000,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/adguard-home.svg",
  docsUrl: "https://github.com/AdguardTeam/AdGuardHome/tree/master/openapi",
  minVersion: "0.107.0",
  credentialHint: HINT,
  async test(ctx) {
    const { version } = await status(ctx);
    // Builds from source may report an empty or non-numeric version; the connection is proven either way.
    return /^v?\d+(\.\d+)*/.test(version) ? { version: version.replace(/^v/i, "") } : {};
  },
  capabilities: { dnsHole },
});
