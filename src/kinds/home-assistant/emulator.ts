import { sendJson, startFakeServer, type FakeServer } from "../testing/server.js";

/**
 * Emulator of Home Assistant's REST API, from the public protocol facts (protocols.md §1, §2):
 * `Authorization: Bearer <long-lived token>` on every /api call; a missing or wrong token answers
 * **401 `text/plain` "401: Unauthorized"** and is counted as a failed login (Home Assistant shows a
 * "Login attempt failed" notification for each); with `loginAttemptsThreshold` the client IP is banned after
 * that many failures and then gets **403 "403: Forbidden"** on every request, even with the right token.
 * `/api/` → `{"message":"API running."}`, `/api/config` → `{version, location_name, time_zone, unit_system,
 * components[]…}`, `/api/states` → `[{entity_id, state, attributes, last_changed, …}]`. Everything outside
 * /api is the frontend (HTML). Options are read on every request, so a test may flip `hang` later.
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
}

export interface HomeAssistantEmulator extends FakeServer {
  /** Failed logins so far (each one is a visible notification in a real Home Assistant). */
  failedLogins: number;
}

export async function startHomeAssistant(opts: HomeAssistantOptions): Promise<HomeAssistantEmulator> {
  let banned = false;
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
      if (url.pathname === "/api/states") return sendJson(res, 200, opts.states ?? sampleStates);
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("404: Not Found");
    }),
    { failedLogins: 0 },
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
];
