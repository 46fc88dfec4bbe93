import { tryJson } from "../../engine/probe.js";
import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Home Assistant's REST API, from the public protocol facts (docs/kinds.md, "Per-kind protocol table" and "Search endpoints"):
 * `Authorization: Bearer <long-lived token>` on every /api call; a missing or wrong token answers
 * **401 `text/plain` "401: Unauthorized"** and is counted as a failed login (Home Assistant shows a
 * "Login attempt failed" notification for each); with `loginAttemptsThreshold` the client IP is banned after
 * that many failures and then gets **403 "403: Forbidden"** on every request, even with the right token.
 * `/api/` → `{"message":"API running."}`, `/api/config` → `{version, location_name, time_zone, unit_system,
 * components[]…}`, `/api/states` → `[{entity_id, state, attributes, last_changed, …}]`. Everything outside
 * /api is the frontend (HTML). Options are read on every request, so a test may flip `hang` later.
 *
 * States and services (homeassistant/components/api/__init__.py, 0.78 to 2025.x; REST doc
 * https://developers.home-assistant.io/docs/api/rest/):
 * - `GET /api/states/<entity_id>` → the state object, or 404 `{"message":"Entity not found."}`.
 * - `POST /api/services/<domain>/<service>` `{"entity_id"}` → 200 with the list of states changed by the call (with
 *   its context). Emulated services: `turn_on`/`turn_off`/`toggle` of light, switch, fan, input_boolean;
 *   `automation.trigger` (sets the automation's `last_triggered` under a child context, so the answer is `[]`);
 *   `script.turn_on` (`last_triggered` likewise). Unknown service: current releases answer 400 "400: Bad Request"
 *   (ServiceNotFound → HTTPBadRequest); 0.x releases answered 200 `[]` (core.py logged "Unable to find service").
 */
export interface HaState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed?: string;
  last_updated?: string;
}

export interface HomeAssistantOptions {
  token: string;
  version?: string;
  states?: HaState[];
  loginAttemptsThreshold?: number;
  hang?: boolean;
  /** Entities whose device does not react: service calls succeed but change nothing. */
  unresponsive?: string[];
  /** `/api/states*` and `/api/services/*` answer this HTTP status instead. */
  failData?: number;
  /** `/api/states*` answer a body of the wrong shape. */
  malformed?: boolean;
}

export interface HomeAssistantEmulator extends FakeServer {
  /** Failed logins so far (each one is a visible notification in a real Home Assistant). */
  failedLogins: number;
  /** The current state of an entity, as the server holds it. */
  state(entityId: string): HaState | undefined;
  /** Service calls received, as `domain.service entity_id`. */
  calls: string[];
}

const SWITCHABLE = new Set(["light", "switch", "fan", "input_boolean"]);

export async function startHomeAssistant(opts: HomeAssistantOptions): Promise<HomeAssistantEmulator> {
  let banned = false;
  const states = new Map((opts.states ?? sampleStates).map((st) => [st.entity_id, structuredClone(st)]));
  const calls: string[] = [];
  const legacy = /^0\./.test(opts.version ?? "2025.1.4");
  const setState = (st: HaState, state: string, attributes: Record<string, unknown> = st.attributes) => {
    const now = new Date().toISOString().replace("Z", "000+00:00");
    if (state !== st.state) st.last_changed = now;
    st.state = state;
    st.attributes = attributes;
    st.last_updated = now;
  };
  /** Runs a service; returns the states it changed under the caller's context, or undefined for an unknown service. */
  const service = (domain: string, name: string, entityId: unknown): HaState[] | undefined => {
    const st = typeof entityId === "string" ? states.get(entityId) : undefined;
    const known = (SWITCHABLE.has(domain) && ["turn_on", "turn_off", "toggle"].includes(name)) || (domain === "automation" && name === "trigger") || (domain === "script" && name === "turn_on");
    if (!known) return undefined;
    calls.push(`${domain}.${name} ${String(entityId)}`);
    if (!st || !st.entity_id.startsWith(`${domain}.`) || opts.unresponsive?.includes(st.entity_id)) return [];
    if (domain === "automation" || domain === "script") {
      setState(st, st.state, { ...st.attributes, last_triggered: new Date().toISOString() });
      return [];
    }
    const next = name === "toggle" ? (st.state === "on" ? "off" : "on") : name === "turn_on" ? "on" : "off";
    if (next === st.state) return [];
    setState(st, next);
    return [st];
  };
  const emu = Object.assign(
    await startFakeServer((req, res) => {
      if (opts.hang) return;
      const url = new URL(req.url, "http://x");
      if (banned) {
        res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
        res.end("403: Forbidden");
        return;
      }
      if (!url.pathname.startsWith("/api/") && url.pathname !== "/api") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(`<!DOCTYPE html><html><head><title>Home Assistant</title></head><body><home-assistant></home-assistant></body></html>`);
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (token !== opts.token) {
        emu.failedLogins++;
        if (opts.loginAttemptsThreshold && emu.failedLogins >= opts.loginAttemptsThreshold) banned = true;
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
        res.end("401: Unauthorized");
        return;
      }
      if (url.pathname === "/api/") return sendJson(res, 200, { message: "API running." });
      if (url.pathname === "/api/config") {
        return sendJson(res, 200, {
          allowlist_external_dirs: [],
          components: ["api", "http", "frontend", "light", "sensor", "person"],
          config_dir: "/config",
          country: "DE",
          currency: "EUR",
          elevation: 0,
          external_url: null,
          internal_url: null,
          language: "en",
          latitude: 52.37,
          location_name: "Home",
          longitude: 4.89,
          radius: 100,
          safe_mode: false,
          state: "RUNNING",
          time_zone: "Europe/Amsterdam",
          unit_system: { length: "km", mass: "g", temperature: "°C", volume: "L" },
          version: opts.version ?? "2025.1.4",
        });
      }
      const data = url.pathname.startsWith("/api/states") || url.pathname.startsWith("/api/services/");
      if (data && opts.failData) {
        res.writeHead(opts.failData, { "content-type": "text/plain; charset=utf-8" });
        res.end(`${opts.failData}: Internal Server Error`);
        return;
      }
      if (data && opts.malformed && req.method === "GET") return sendJson(res, 200, { states: "none", entity_id: 7 });
      if (url.pathname === "/api/states") return sendJson(res, 200, [...states.values()]);
      const one = /^\/api\/states\/([^/]+)$/.exec(url.pathname);
      if (one && req.method === "GET") {
        const st = states.get(decodeURIComponent(one[1]!));
        return st ? sendJson(res, 200, st) : sendJson(res, 404, { message: "Entity not found." });
      }
      const svc = /^\/api\/services\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (svc && req.method === "POST") {
        const body = (tryJson(req.body || "null") ?? {}) as { entity_id?: unknown };
        const changed = service(decodeURIComponent(svc[1]!), decodeURIComponent(svc[2]!), body.entity_id);
        if (changed) return sendJson(res, 200, changed);
        if (legacy) return sendJson(res, 200, []);
        res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
        res.end("400: Bad Request");
        return;
      }
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("404: Not Found");
    }),
    { failedLogins: 0, calls, state: (id: string) => states.get(id) },
  );
  return emu;
}

const at = "2025-01-10T12:00:00.000000+00:00";
export const sampleStates: HaState[] = [
  { entity_id: "light.living_room", state: "on", attributes: { friendly_name: "Living Room", brightness: 180 }, last_changed: at, last_updated: at },
  {
    entity_id: "sensor.outdoor_temperature",
    state: "7.5",
    attributes: { friendly_name: "Outdoor temperature", unit_of_measurement: "°C", device_class: "temperature" },
    last_changed: at,
    last_updated: at,
  },
  {
    entity_id: "media_player.den",
    state: "playing",
    attributes: { friendly_name: `Schindler's List (1993) & "quotes"`, entity_picture: "/api/media_player_proxy/media_player.den?token=abc" },
    last_changed: at,
    last_updated: at,
  },
  { entity_id: "person.alice", state: "home", attributes: { friendly_name: "Alice" }, last_changed: at, last_updated: at },
  { entity_id: "sun.sun", state: "above_horizon", attributes: { friendly_name: "Sun" }, last_changed: at, last_updated: at },
  { entity_id: "switch.coffee", state: "off", attributes: { friendly_name: "Coffee machine" }, last_changed: at, last_updated: at },
  { entity_id: "automation.night_mode", state: "on", attributes: { friendly_name: "Night mode", last_triggered: null, mode: "single" }, last_changed: at, last_updated: at },
  { entity_id: "script.movie_time", state: "off", attributes: { friendly_name: "Movie time", last_triggered: null, mode: "single" }, last_changed: at, last_updated: at },
  {
    entity_id: "camera.porch",
    state: "idle",
    attributes: { friendly_name: "Porch", access_token: "cam-access-token-1234", entity_picture: "/api/camera_proxy/camera.porch?token=cam-access-token-1234" },
    last_changed: at,
    last_updated: at,
  },
];
