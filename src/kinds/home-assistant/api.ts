import { z } from "zod";
import { call, parse } from "../../engine/kit.js";
import type { HttpRequest, HttpResponse } from "../../engine/http.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

/**
 * Home Assistant's REST API (https://developers.home-assistant.io/docs/api/rest/; the views are in
 * homeassistant/components/api/__init__.py), shared by the connection test, search and the smartHome capability.
 * A long-lived access token goes as Bearer on every call. Every rejected token shows up in Home Assistant as a
 * "Login attempt failed" notification, and with `login_attempts_threshold` the caller's IP gets banned (403 from
 * then on, even with the right token) — so nothing here ever retries a 401.
 */
export const HINT =
  "Create a long-lived access token in Home Assistant under Profile → Security → Long-lived access tokens → Create token (the profile opens from your user name at the bottom of the sidebar), and paste the whole token.";
const BANNED =
  "Home Assistant refused the request (403): Patchbay's IP address is probably banned after failed logins. Remove it from ip_bans.yaml in the Home Assistant configuration folder, restart Home Assistant, then check the token.";

export interface HaRequest extends HttpRequest {
  path: string;
  /** Statuses besides 2xx that the caller handles itself (404 "Entity not found.", 400 for an unknown service). */
  allow?: number[];
}

export async function send(ctx: TestContext, req: HaRequest): Promise<HttpResponse> {
  const token = ctx.secrets.apiKey ?? ctx.secrets.token ?? "";
  const { allow = [], ...rest } = req;
  const res = await call(
    ctx,
    { ...rest, headers: { ...rest.headers, authorization: `Bearer ${token}` } },
    { expect: (s) => (s >= 200 && s < 300) || s === 403 || allow.includes(s), credentialsMessage: `Home Assistant rejected the access token. ${HINT}` },
  );
  if (res.status === 403) throw new TestFailure("INVALID_CREDENTIALS", BANNED, { statusCode: 403 });
  return res;
}

export async function getJson<S extends z.ZodType>(ctx: TestContext, req: HaRequest, schema: S): Promise<z.output<S>> {
  return parse(ctx, await send(ctx, req), schema);
}

/**
 * One state object as every release serialises it (homeassistant/core.py State.as_dict): entity_id, state,
 * attributes, last_changed, last_updated (ISO 8601 with microseconds), context (0.78+).
 */
export const State = z.object({
  entity_id: z.string(),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  last_changed: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not a date"),
});
export type State = z.output<typeof State>;

/** GET /api/states: every state the token's user may read (APIStatesView). */
export const allStates = (ctx: TestContext, maxBytes?: number) => getJson(ctx, { path: "/api/states", maxBytes }, z.array(State));

/** The attributes Patchbay reads itself; each one that is missing or of another type counts as absent. */
const Known = z.object({
  friendly_name: z.string().optional().catch(undefined),
  unit_of_measurement: z.string().optional().catch(undefined),
  entity_picture: z.string().optional().catch(undefined),
});
export const known = (entity: State): z.output<typeof Known> => Known.parse(entity.attributes);
export const friendlyName = (entity: State): string | undefined => known(entity).friendly_name;
