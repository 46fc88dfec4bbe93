import { tryJson } from "../../engine/probe.js";
import { monitoring } from "./capabilities.js";
import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const HINT = "Copy the API key from Healthchecks → your project → Settings → API Access (a read-only key is enough).";

/**
 * Healthchecks management API v3. `GET /api/v3/checks/` with `X-Api-Key` proves reachability, the key and the
 * service (the body is `{"checks":[…]}`); Healthchecks has no version endpoint. Its 401 bodies tell a key of the
 * wrong length (`missing api key`) from an unknown one (`wrong api key`).
 */
export default defineKind({
  kind: "healthchecks",
  name: "Healthchecks",
  categories: ["monitoring"],
  secretOptions: [["apiKey"]],
  defaultPort: 8000,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/healthchecks.svg",
  docsUrl: "https://healthchecks.io/docs/api/",
  credentialHint: HINT,
  capabilities: { monitoring },
  async test(ctx) {
    const res = await checks(ctx, "v3");
    if (res.status === 404) {
      const old = await checks(ctx, "v1");
      if (old.status === 200 && hasChecks(old.text)) {
        throw new TestFailure("UNSUPPORTED_VERSION", "This Healthchecks is too old: it has no API v3 (added in mid-2023). Update Healthchecks.", {
          apiVersion: "v1",
        });
      }
      throw notHealthchecks(404);
    }
    if (res.status !== 200) {
      throw res.status >= 500 || res.status === 429 ? new TestFailure("HTTP_ERROR", `Healthchecks answered HTTP ${res.status}.`, { statusCode: res.status }) : notHealthchecks(res.status);
    }
    if (!hasChecks(res.text)) throw notHealthchecks(res.status);
    return {};
  },
});

async function checks(ctx: TestContext, version: "v1" | "v3") {
  const res = await ctx.http.request({ path: `/api/${version}/checks/`, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } });
  if (res.status === 401) {
    const error = (tryJson(res.text) as { error?: unknown } | undefined)?.error;
    if (error === "missing api key") {
      throw new TestFailure("INVALID_CREDENTIALS", `Healthchecks did not accept this as an API key: its keys are exactly 32 characters long. ${HINT}`, { statusCode: 401 });
    }
    if (error === "wrong api key") {
      throw new TestFailure("INVALID_CREDENTIALS", `Healthchecks does not know this API key (deleted, or from another instance). ${HINT}`, { statusCode: 401 });
    }
    // Healthchecks always explains its 401; a bare one comes from something else (a proxy's login, another app).
    throw notHealthchecks(401);
  }
  return res;
}

function hasChecks(text: string): boolean {
  const body = tryJson(text) as { checks?: unknown } | undefined;
  return Boolean(body && typeof body === "object" && Array.isArray(body.checks));
}

function notHealthchecks(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Healthchecks' API. Use the base address of your Healthchecks instance (its SITE_ROOT, for example http://host:8000).",
    { statusCode: status },
  );
}

