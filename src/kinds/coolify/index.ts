import { tryJson } from "../../engine/probe.js";
import { monitoring } from "./capabilities.js";
import { defineKind, TestFailure } from "../../engine/types.js";

const HINT = "Create an API token in Coolify → Keys & Tokens → API tokens (read access is enough) and enter it whole, including the number and | in front.";

/**
 * Coolify v4. `GET /api/health` (anonymous, text `OK`) proves it is Coolify; `GET /api/v1/version` with the
 * Bearer token proves the token and names the version. Laravel only answers a bad token with 401 JSON when the
 * request asks for JSON, so `Accept: application/json` is sent explicitly (without it: a redirect to /login).
 */
export default defineKind({
  kind: "coolify",
  name: "Coolify",
  categories: ["monitoring"],
  secretOptions: [["apiKey"], ["token"]],
  defaultPort: 8000,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/coolify.svg",
  docsUrl: "https://coolify.io/docs/api-reference/authorization",
  minVersion: "4.0.0",
  credentialHint: HINT,
  capabilities: { monitoring },
  async test(ctx) {
    const health = await ctx.http.request({ path: "/api/health", headers: { accept: "application/json" } });
    if (health.status !== 200 || health.text.trim() !== "OK") {
      throw health.status >= 500 ? new TestFailure("HTTP_ERROR", `Coolify answered HTTP ${health.status}.`, { statusCode: health.status }) : notCoolify(health.status);
    }
    const token = ctx.secrets.apiKey ?? ctx.secrets.token ?? "";
    const res = await ctx.http.request({ path: "/api/v1/version", headers: { accept: "application/json", authorization: `Bearer ${token}` } });
    if (res.status === 401 || (res.status === 200 && /\/login\/?$/.test(res.url.pathname))) {
      throw new TestFailure("INVALID_CREDENTIALS", `Coolify rejected the API token. ${HINT}`, { statusCode: 401 });
    }
    if (res.status === 403) {
      const message = (tryJson(res.text) as { message?: unknown } | undefined)?.message;
      if (message === "API is disabled.") {
        throw new TestFailure("HTTP_ERROR", "Coolify's API is turned off. Enable it in Coolify → Settings → Advanced → API Access, then test again.", {
          statusCode: 403,
          reason: "api_disabled",
        });
      }
      if (typeof message === "string" && /not allowed to access the API/i.test(message)) {
        throw new TestFailure(
          "HTTP_ERROR",
          "Coolify does not allow API calls from the Patchbay server's IP address. Add it to the allowed IPs in Coolify → Settings → Advanced.",
          { statusCode: 403, reason: "ip_not_allowed" },
        );
      }
      throw new TestFailure("INVALID_CREDENTIALS", `Coolify refused this token (HTTP 403); it may lack the read permission. ${HINT}`, { statusCode: 403 });
    }
    if (res.status === 404) {
      // Health said OK but there is no /api/v1/version: not Coolify v4 (v3 had a different API), or another app.
      throw new TestFailure("UNEXPECTED_RESPONSE", "This server has no Coolify v4 API (/api/v1/version is missing). Patchbay supports Coolify v4; check the URL.", { statusCode: 404 });
    }
    if (res.status !== 200) {
      throw res.status >= 500 || res.status === 429 ? new TestFailure("HTTP_ERROR", `Coolify answered HTTP ${res.status}.`, { statusCode: res.status }) : notCoolify(res.status);
    }
    const version = res.text.trim().replace(/^"|"$/g, "");
    if (!/^v?\d+\.\d+\.\d+/.test(version) || version.length > 40) throw notCoolify(res.status);
    return { version: version.replace(/^v/i, "") };
  },
});

function notCoolify(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Coolify v4 (GET /api/health should say OK). Use the address of Coolify's dashboard (port 8000 by default).",
    { statusCode: status },
  );
}

