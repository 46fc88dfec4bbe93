import { defineKind, TestFailure } from "../../engine/types.js";

const HINT = "Use the username and password you log in to AdGuard Home's web interface with (the users section of AdGuardHome.yaml).";

/**
 * AdGuard Home control API: Basic auth on every call, `GET /control/status` proves all three things at once
 * (its body names the version and the DNS settings). A wrong credential is a bare 401 with an empty body.
 * Note: with no users configured AdGuard Home checks nothing, so any credentials pass (nothing to detect there).
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
    const basic = Buffer.from(`${ctx.secrets.username ?? ""}:${ctx.secrets.password ?? ""}`).toString("base64");
    const res = await ctx.http.request({ path: "/control/status", headers: { authorization: `Basic ${basic}` } });
    if (res.status === 401) {
      throw new TestFailure(
        "INVALID_CREDENTIALS",
        `AdGuard Home rejected the username or password. ${HINT} After 5 failed attempts AdGuard Home also refuses the right credentials from this address for 15 minutes.`,
        { statusCode: 401 },
      );
    }
    if (res.status !== 200) {
      throw res.status >= 500 || res.status === 429 || res.status === 403
        ? new TestFailure("HTTP_ERROR", `AdGuard Home answered HTTP ${res.status}.`, { statusCode: res.status })
        : notAdGuard(res.status);
    }
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw notAdGuard(res.status);
    }
    const status = body as { version?: unknown; protection_enabled?: unknown; dns_port?: unknown } | null;
    if (!status || typeof status !== "object" || typeof status.version !== "string" || typeof status.protection_enabled !== "boolean") {
      throw notAdGuard(res.status);
    }
    // Builds from source may report an empty or non-numeric version; the connection is proven either way.
    return /^v?\d+(\.\d+)*/.test(status.version) ? { version: status.version.replace(/^v/i, "") } : {};
  },
});

function notAdGuard(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like AdGuard Home's control API. Use the address of AdGuard Home's web interface (port 3000 during setup, 80 or the port you chose afterwards).",
    { statusCode: status },
  );
}
