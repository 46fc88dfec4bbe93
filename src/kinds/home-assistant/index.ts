import { z } from "zod";
import { strictEncode } from "../../engine/http.js";
import { defineKind } from "../../engine/types.js";
import { allStates, friendlyName, getJson, HINT, known, type State } from "./api.js";
import { smartHome } from "./capabilities.js";

const STATES_MAX_BYTES = 20 * 1024 * 1024;

// GET /api/config (APIConfigView → hass.config.as_dict()): `version` and `components` in every release since 0.78.
const Config = z.object({ version: z.string(), components: z.array(z.string()) });

/**
 * Home Assistant REST API with a long-lived access token as Bearer (given as apiKey or token; how calls are made:
 * ./api.ts). Home Assistant has no search endpoint: search reads `/api/states` and filters entity ids and
 * friendly names here.
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
    const config = await getJson(ctx, { path: "/api/config" }, Config);
    return { version: config.version };
  },
  async search(ctx, query, limit) {
    const states = await allStates(ctx, STATES_MAX_BYTES);
    const needle = query.trim().toLowerCase();
    const base = ctx.url.toString().replace(/\/$/, "");
    const matches: { score: number; result: ReturnType<typeof toResult> }[] = [];
    for (const entity of states) {
      const friendly = friendlyName(entity);
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
  capabilities: { smartHome },
});

function toResult(base: string, entity: State, friendly: string | undefined) {
  const { unit_of_measurement: u, entity_picture: picture } = known(entity);
  const unit = u ? ` ${u}` : "";
  return {
    id: entity.entity_id,
    name: friendly ?? entity.entity_id,
    link: `${base}/history?entity_id=${strictEncode(entity.entity_id)}`,
    image: picture ? absolute(base, picture) : undefined,
    text: `${entity.entity_id}: ${entity.state}${unit}`,
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
