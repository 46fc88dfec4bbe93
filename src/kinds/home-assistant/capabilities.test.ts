import { describe, expect, it } from "vitest";
import { EntityStates } from "../../engine/capabilities.js";
import type { TestContext } from "../../engine/types.js";
import { closedAfterAll, errorOf, runCapability, valueOf } from "../testing/home-family.js";
import { expectNoSecret } from "../testing/kind-helpers.js";
import { SINGLE_READS_UP_TO } from "./capabilities.js";
import { sampleStates, startHomeAssistant, type HaState, type HomeAssistantEmulator, type HomeAssistantOptions } from "./emulator.js";
import homeAssistant from "./index.js";

/**
 * The smartHome capability of Home Assistant, called directly (as the capability service does) against the
 * emulated oldest supported release (0.78, the first with long-lived tokens) and a current one (2025.1).
 */
const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJwYXRjaGJheSJ9.c2lnbmF0dXJlLXJpZ2h0";
const WRONG = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ3cm9uZyJ9.c2lnbmF0dXJlLXdyb25n";
const home = homeAssistant.capabilities!.smartHome!;
const start = closedAfterAll((opts: Omit<HomeAssistantOptions, "token">) => startHomeAssistant({ token: TOKEN, ...opts }));
const run = <T>(e: HomeAssistantEmulator, fn: (ctx: TestContext) => Promise<T>, token = TOKEN) => runCapability(homeAssistant, e.url, { apiKey: token }, fn);
const reads = (e: HomeAssistantEmulator) => e.requests.filter((r) => r.method === "GET").map((r) => r.url);

for (const version of ["0.78.3", "2025.1.4"]) {
  describe(`homeAssistant ${version}: smartHome`, () => {
    it("states: the asked entities in the caller's order, unknown ids omitted, one GET per id for a few", async () => {
      const e = await start({ version });
      const ids = ["sensor.outdoor_temperature", "light.nope", "light.living_room"];
      const s = valueOf(await run(e, (ctx) => home.states(ctx, { entityIds: ids })));
      expect(EntityStates.parse(s)).toEqual(s);
      expect(s.entities).toEqual([
        {
          entityId: "sensor.outdoor_temperature",
          state: "7.5",
          friendlyName: "Outdoor temperature",
          attributes: { friendly_name: "Outdoor temperature", unit_of_measurement: "°C", device_class: "temperature" },
          lastChanged: new Date("2025-01-10T12:00:00.000Z"),
        },
        { entityId: "light.living_room", state: "on", friendlyName: "Living Room", attributes: { friendly_name: "Living Room", brightness: 180 }, lastChanged: new Date("2025-01-10T12:00:00.000Z") },
      ]);
      expect(reads(e).sort()).toEqual(ids.map((id) => `/api/states/${id}`).sort());
    });

    it(`states: more than ${SINGLE_READS_UP_TO} ids cost one /api/states, filtered here`, async () => {
      const many: HaState[] = Array.from({ length: 30 }, (_, i) => ({ entity_id: `sensor.s${i}`, state: String(i), attributes: {}, last_changed: "2025-01-10T12:00:00+00:00" }));
      const e = await start({ version, states: many });
      const ids = [...Array.from({ length: 12 }, (_, i) => `sensor.s${29 - i}`), "sensor.missing"];
      const s = valueOf(await run(e, (ctx) => home.states(ctx, { entityIds: ids })));
      expect(s.entities.map((x) => x.entityId)).toEqual(ids.slice(0, 12));
      expect(s.entities[0]).toMatchObject({ state: "29", attributes: {} });
      expect(s.entities[0]!.friendlyName).toBeUndefined();
      expect(reads(e)).toEqual(["/api/states"]);
    });

    it("states never carry a camera's access token (attribute or picture URL)", async () => {
      const e = await start({ version });
      const s = valueOf(await run(e, (ctx) => home.states(ctx, { entityIds: ["camera.porch"] })));
      expect(s.entities[0]!.attributes).toEqual({ friendly_name: "Porch" });
      expectNoSecret(s, ["cam-access-token-1234", TOKEN]);
    });

    it("toggle, turnOff, turnOn change the real (emulated) state, verified by Home Assistant's answer or a read-back", async () => {
      const e = await start({ version });
      valueOf(await run(e, (ctx) => home.toggle(ctx, { entityId: "light.living_room" })));
      expect(e.state("light.living_room")!.state).toBe("off");
      valueOf(await run(e, (ctx) => home.turnOn(ctx, { entityId: "switch.coffee" })));
      expect(e.state("switch.coffee")!.state).toBe("on");
      // Already on: nothing changes, the answer is [], the read-back confirms it.
      valueOf(await run(e, (ctx) => home.turnOn(ctx, { entityId: "switch.coffee" })));
      valueOf(await run(e, (ctx) => home.turnOff(ctx, { entityId: "switch.coffee" })));
      expect(e.state("switch.coffee")!.state).toBe("off");
      expect(e.calls).toEqual(["light.toggle light.living_room", "switch.turn_on switch.coffee", "switch.turn_on switch.coffee", "switch.turn_off switch.coffee"]);
      const sent = e.requests.find((r) => r.method === "POST")!;
      expect(JSON.parse(sent.body)).toEqual({ entity_id: "light.living_room" });
      expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    });

    it("trigger runs automations (automation.trigger) and scripts (script.turn_on)", async () => {
      const e = await start({ version });
      valueOf(await run(e, (ctx) => home.trigger(ctx, { entityId: "automation.night_mode" })));
      valueOf(await run(e, (ctx) => home.trigger(ctx, { entityId: "script.movie_time" })));
      expect(e.calls).toEqual(["automation.trigger automation.night_mode", "script.turn_on script.movie_time"]);
      expect(e.state("automation.night_mode")!.attributes.last_triggered).toEqual(expect.any(String));
      const err = errorOf(await run(e, (ctx) => home.trigger(ctx, { entityId: "light.living_room" })));
      expect(err.message).toMatch(/Only automations/);
      expect(e.calls).toHaveLength(2);
    });

    it("a device that does not react is not reported as switched", async () => {
      const e = await start({ version, unresponsive: ["light.living_room"] });
      const err = errorOf(await run(e, (ctx) => home.turnOff(ctx, { entityId: "light.living_room" })));
      expect(err.code).toBe("UNEXPECTED_RESPONSE");
      expect(err.message).toMatch(/is "on"/);
    });

    it("an entity without that service (a sensor) fails with a message, whether the release answers 400 or 200 []", async () => {
      const e = await start({ version });
      const err = errorOf(await run(e, (ctx) => home.turnOff(ctx, { entityId: "sensor.outdoor_temperature" })));
      expect(err.code).toBe(version.startsWith("0.") ? "UNEXPECTED_RESPONSE" : "HTTP_ERROR");
      expect(err.message).toMatch(/sensor\.(outdoor_temperature|turn_off)/);
      expect(e.state("sensor.outdoor_temperature")!.state).toBe("7.5");
    });

    it("an unknown entity is a clear error and no service is called", async () => {
      const e = await start({ version });
      const err = errorOf(await run(e, (ctx) => home.toggle(ctx, { entityId: "light.nope" })));
      expect(err).toMatchObject({ code: "HTTP_ERROR", details: { statusCode: 404 } });
      expect(err.message).toMatch(/no entity light\.nope/);
      expect(e.calls).toEqual([]);
    });

    it("a wrong token is INVALID_CREDENTIALS after exactly one failed login; 500 is HTTP_ERROR; a malformed answer UNEXPECTED_RESPONSE", async () => {
      const e = await start({ version });
      const err = errorOf(await run(e, (ctx) => home.states(ctx, { entityIds: ["light.living_room"] }), WRONG));
      expect(err.code).toBe("INVALID_CREDENTIALS");
      expect(err.message).toMatch(/Long-lived access tokens/);
      expectNoSecret(err, [TOKEN, WRONG]);
      expect(e.failedLogins).toBe(1);
      expect(errorOf(await run(await start({ version, failData: 500 }), (ctx) => home.toggle(ctx, { entityId: "light.living_room" }))).code).toBe("HTTP_ERROR");
      const bad = errorOf(await run(await start({ version, malformed: true }), (ctx) => home.states(ctx, { entityIds: ["light.living_room"] })));
      expect(bad.code).toBe("UNEXPECTED_RESPONSE");
    });
  });
}

it("the sample states the emulator starts from are not shared between emulators", async () => {
  const a = await start({});
  valueOf(await run(a, (ctx) => home.toggle(ctx, { entityId: "light.living_room" })));
  expect(sampleStates.find((s) => s.entity_id === "light.living_room")!.state).toBe("on");
});
