import { tryJson } from "../../engine/probe.js";
import { strictEncode } from "../../engine/http.js";
import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const HINT =
  "Create a long-lived access token in Home Assistant under Profile → Security → Long-lived access tokens → Create token (the profile opens from your user name at the bottom of the sidebar), and paste the whole token.";
const STATES_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Home Assistant REST API with a long-lived access token as Bearer (given as apiKey or token). Every rejected
 * token shows up in Home Assistant as a "Login attempt failed" notification, and with `login_attempts_threshold`
 * the caller's IP gets banned (403 from then on). Home Assistant has no search endpoint: search reads
 * `/api/states` and filters entity ids and friendly names here.
 */
export default defineKind({
  kind: "homeAssistant",
  name: "Home Assistant",
  categories: ["smartHome"],
  secretOptions: [["apiKey"], ["token"]],
  defaultPort: 8123,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/home-assistant.svg",
  docsUrl: "https://developers.home-assistant.io/docs/api/rest/",
  minVersion: "0.78",
  credentialHint: HINT,
  async test(ctx) {
    const res = await get(ctx, "/api/config");
    if (res.status !== 200) throw statusFailure(res.status);
    const config = tryJson(res.text) as { version?: unknown; location_name?: unknown; components?: unknown } | undefined;
    if (!config || typeof config.version !== "string" || !Array.isArray(config.components)) throw notHomeAssistant(res.status);
    return { version: config.version };
  },
  async search(ctx, query, limit) {
    const res = await get(ctx, "/api/states", STATES_MAX_BYTES);
    if (res.status !== 200) throw statusFailure(res.status);
    const states = tryJson(res.text);
    if (!Array.isArray(states)) throw notHomeAssistant(res.status);
    const needle = query.trim().toLowerCase();
    const base = ctx.url.toString().replace(/\/$/, "");
    const matches: { score: number; result: ReturnType<typeof toResult> }[] = [];
    for (const s of states) {
      if (!s || typeof s !== "object" || typeof (s as { entity_id?: unknown }).entity_id !== "string") continue;
      const entity = s as { entity_id: string; state?: unknown; attributes?: Record<string, unknown> };
      const friendly = typeof entity.attributes?.friendly_name === "string" ? entity.attributes.friendly_name : undefined;
      const id = entity.entity_id.toLowerCase();
      const name = friendly?.toLowerCase();
      if (!id.includes(needle) && !name?.includes(needle)) continue;
      // Exact and prefix matches first, then the rest in Home Assistant's order.
      const score = id === needle || name === needle ? 0 : id.startsWith(needle) || name?.startsWith(needle) ? 1 : 2;
      matches.push({ score, result: toResult(base, entity, friendly) });
    }
    return matches
      .sort((a, b) => a.score - b.score)
      .slice(0, limit)
      .map((m) => m.result);
  },
});

function toResult(base: string, entity: { entity_id: string; state?: unknown; attributes?: Record<string, unknown> }, friendly: string | undefined) {
  const unit = typeof entity.attributes?.unit_of_measurement === "string" ? ` ${entity.attributes.unit_of_measurement}` : "";
  const state = entity.state === undefined || entity.state === null ? undefined : `${String(entity.state)}${unit}`;
  const picture = entity.attributes?.entity_picture;
  return {
    id: entity.entity_id,
    name: friendly ?? entity.entity_id,
    link: `${base}/history?entity_id=${strictEncode(entity.entity_id)}`,
    image: typeof picture === "string" && picture ? absolute(base, picture) : undefined,
    text: state ? `${entity.entity_id}: ${state}` : entity.entity_id,
    type: entity.entity_id.split(".")[0],
  };
}

function absolute(base: string, picture: string): string | undefined {
  try {
    const u = new URL(picture, base + "/");
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

function get(ctx: TestContext, path: string, maxBytes?: number) {
  const token = ctx.secrets.apiKey ?? ctx.secrets.token ?? "";
  return ctx.http.request({ path, headers: { authorization: `Bearer ${token}` }, maxBytes });
}

function statusFailure(status: number): TestFailure {
  if (status === 401) return new TestFailure("INVALID_CREDENTIALS", `Home Assistant rejected the access token. ${HINT}`, { statusCode: status });
  if (status === 403) {
    return new TestFailure(
      "INVALID_CREDENTIALS",
      "Home Assistant refused the request (403): Patchbay's IP address is probably banned after failed logins. Remove it from ip_bans.yaml in the Home Assistant configuration folder, restart Home Assistant, then check the token.",
      { statusCode: status },
    );
  }
  if (status >= 500 || status === 429) return new TestFailure("HTTP_ERROR", `Home Assistant answered HTTP ${status}.`, { statusCode: status });
  return notHomeAssistant(status);
}

function notHomeAssistant(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Home Assistant's REST API. Use the URL you open Home Assistant with (for example http://host:8123).",
    { statusCode: status },
  );
}

