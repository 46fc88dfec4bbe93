import { z } from "zod";
import { parse } from "../../engine/kit.js";
import { strictEncode } from "../../engine/http.js";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { allStates, friendlyName, send, State } from "./api.js";

/**
 * smartHome for Home Assistant (docs/capabilities.md), on the REST API
 * (https://developers.home-assistant.io/docs/api/rest/; views in homeassistant/components/api/__init__.py, the
 * same for these endpoints from 0.78 to 2025.x):
 * - `GET /api/states/<entity_id>` → the state, or 404 `{"message":"Entity not found."}` (APIEntityStateView);
 * - `GET /api/states` → every state the token's user may read (APIStatesView);
 * - `POST /api/services/<domain>/<service>` `{"entity_id"}` → 200 with the states that changed during the call
 *   (APIDomainServicesView; a blocking call, so it answers once the service ran). An unknown service is 400 in
 *   current releases; older ones (0.7x core.py: "Unable to find service", no ServiceNotFound yet) answered 200 with
 *   nothing changed — which the verification below catches for on/off/toggle.
 */

/** Up to this many ids are read one by one; more are filtered out of one `/api/states`, which can be megabytes. */
export const SINGLE_READS_UP_TO = 10;
const STATES_MAX_BYTES = 20 * 1024 * 1024;

/** The state of one entity, or undefined when Home Assistant has no such entity. */
async function readState(ctx: TestContext, entityId: string): Promise<State | undefined> {
  const res = await send(ctx, { path: `/api/states/${strictEncode(entityId)}`, allow: [404] });
  return res.status === 404 ? undefined : parse(ctx, res, State);
}

async function existing(ctx: TestContext, entityId: string): Promise<State> {
  const state = await readState(ctx, entityId);
  if (!state) throw new TestFailure("HTTP_ERROR", `Home Assistant has no entity ${entityId}. Check the entity id under Settings → Entities.`, { statusCode: 404 });
  return state;
}

/** Calls a service for one entity; resolves with the states the call changed (Home Assistant's own answer). */
async function callService(ctx: TestContext, entityId: string, domain: string, service: string): Promise<State[]> {
  const res = await send(ctx, { method: "POST", path: `/api/services/${strictEncode(domain)}/${strictEncode(service)}`, json: { entity_id: entityId }, allow: [400] });
  if (res.status === 400) {
    throw new TestFailure("HTTP_ERROR", `Home Assistant has no service ${domain}.${service} for ${entityId} (it answered 400). Not every kind of entity can do that.`, { statusCode: 400 });
  }
  return parse(ctx, res, z.array(State));
}

/** Lights, switches, fans…: `<domain>.<service>`, confirmed by the entity's new state in the answer or read back after it. */
async function switchEntity(ctx: TestContext, entityId: string, service: "toggle" | "turn_on" | "turn_off"): Promise<void> {
  const before = await existing(ctx, entityId);
  const domain = entityId.split(".")[0]!;
  const changed = await callService(ctx, entityId, domain, service);
  // Not in the answer when nothing changed (already on for turn_on) or the change carried another context.
  const after = changed.find((s) => s.entity_id === entityId) ?? (await existing(ctx, entityId));
  const ok =
    service === "turn_off" ? after.state === "off" : service === "turn_on" ? !["off", "unavailable", "unknown"].includes(after.state) : after.state !== before.state;
  if (!ok) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `Home Assistant ran ${domain}.${service}, but ${entityId} is "${after.state}" (was "${before.state}"). The device may be unreachable.`);
  }
}

// Attributes that would hand out access: cameras carry `access_token`, and the entity_picture of cameras and
// media players is `/api/camera_proxy/…?token=…` (homeassistant/components/camera/__init__.py, media_player).
const CREDENTIAL_KEY = /token|password|secret|api_?key/i;
const CREDENTIAL_VALUE = /[?&](token|access_token|api_?key|auth|sig)=/i;
function withoutCredentials(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([k, v]) => !CREDENTIAL_KEY.test(k) && !(typeof v === "string" && CREDENTIAL_VALUE.test(v))));
}

function toEntity(s: State) {
  const name = friendlyName(s);
  return {
    entityId: s.entity_id,
    state: s.state,
    ...(name !== undefined ? { friendlyName: name } : {}),
    attributes: withoutCredentials(s.attributes),
    lastChanged: new Date(s.last_changed),
  };
}

export const smartHome: Capability<"smartHome"> = {
  async states(ctx, { entityIds }) {
    const wanted = [...new Set(entityIds)];
    let found: State[];
    if (wanted.length <= SINGLE_READS_UP_TO) {
      found = (await Promise.all(wanted.map((id) => readState(ctx, id)))).filter((s): s is State => s !== undefined);
    } else {
      const byId = new Map((await allStates(ctx, STATES_MAX_BYTES)).map((s) => [s.entity_id, s]));
      found = wanted.map((id) => byId.get(id)).filter((s): s is State => s !== undefined);
    }
    // Unknown ids are omitted; the order is the caller's.
    return { entities: found.map(toEntity) };
  },
  toggle: (ctx, { entityId }) => switchEntity(ctx, entityId, "toggle"),
  turnOn: (ctx, { entityId }) => switchEntity(ctx, entityId, "turn_on"),
  turnOff: (ctx, { entityId }) => switchEntity(ctx, entityId, "turn_off"),
  async trigger(ctx, { entityId }) {
    const domain = entityId.split(".")[0];
    // automation.trigger runs the actions (skipping conditions); script.turn_on starts the script
    // (https://www.home-assistant.io/docs/automation/trigger/ and /integrations/script/).
    const service = domain === "automation" ? "trigger" : domain === "script" ? "turn_on" : undefined;
    if (!service) throw new TestFailure("HTTP_ERROR", `Only automations (automation.…) and scripts (script.…) can be triggered; ${entityId} is neither.`, { statusCode: 400 });
    const state = await existing(ctx, entityId);
    if (state.state === "unavailable") throw new TestFailure("HTTP_ERROR", `${entityId} is unavailable in Home Assistant, so it cannot run.`);
    // The run happens under a new child context, so the answer rarely lists a changed state; the 200 of this
    // blocking call is Home Assistant's confirmation that the service ran.
    await callService(ctx, entityId, domain!, service);
  },
};
