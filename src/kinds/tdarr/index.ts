import { transcoding } from "./capabilities.js";
import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const HINT = "Tdarr only checks API keys when its server runs with authentication on; create a key in Tdarr (keys start with tapi_) and enter it, or leave the key empty if authentication is off.";

/**
 * Tdarr server API v2. `POST /api/v2/is-server-alive` (what Homarr tests) proves reachability and, when the
 * server has authentication on, the API key; `GET /api/v2/status` names the version and proves it is Tdarr.
 * With authentication off Tdarr accepts any key, so a wrong key cannot be detected there.
 */
export default defineKind({
  kind: "tdarr",
  name: "Tdarr",
  categories: ["mediaTranscoding"],
  secretOptions: [[], ["apiKey"]],
  defaultPort: 8265,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/tdarr.svg",
  docsUrl: "https://docs.tdarr.io/docs/api",
  minVersion: "2.0",
  credentialHint: HINT,
  capabilities: { transcoding },
  async test(ctx) {
    const alive = await call(ctx, "POST", "/api/v2/is-server-alive");
    try {
      JSON.parse(alive.text);
    } catch {
      throw notTdarr(alive.status);
    }
    const res = await call(ctx, "GET", "/api/v2/status");
    let status: { version?: unknown } | undefined;
    try {
      status = JSON.parse(res.text) as { version?: unknown };
    } catch {
      throw notTdarr(res.status);
    }
    if (!status || typeof status !== "object" || typeof status.version !== "string" || !/^v?\d+(\.\d+)*/.test(status.version)) {
      throw notTdarr(res.status);
    }
    return { version: status.version.replace(/^v/i, "") };
  },
});

async function call(ctx: TestContext, method: "GET" | "POST", path: string) {
  const key = ctx.secrets.apiKey;
  const res = await ctx.http.request({ method, path, headers: { accept: "application/json", "x-api-key": key ?? "" } });
  if (res.status === 401 || res.status === 403) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      key === undefined
        ? "This Tdarr server has authentication turned on, so Patchbay needs an API key. Create one in Tdarr (keys start with tapi_) and enter it."
        : `Tdarr rejected the API key. ${HINT}`,
      { statusCode: res.status },
    );
  }
  if (res.status !== 200) {
    throw res.status >= 500 || res.status === 429 ? new TestFailure("HTTP_ERROR", `Tdarr answered HTTP ${res.status}.`, { statusCode: res.status }) : notTdarr(res.status);
  }
  return res;
}

function notTdarr(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like a Tdarr server. Use the address of Tdarr's web interface (port 8265 by default; 8266 is the node port).",
    { statusCode: status },
  );
}
