import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { startHomeAssistant, type HomeAssistantEmulator, type HomeAssistantOptions } from "./emulator.js";
import type { FakeServer } from "../testing/server.js";
import { createIntegration, EXOTIC, expectNoSecret, expectTestError, testConnection } from "../testing/kind-helpers.js";

// Long-lived access tokens are JWTs.
const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJwYXRjaGJheSJ9.c2lnbmF0dXJlLXJpZ2h0";
const WRONG = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ3cm9uZyJ9.c2lnbmF0dXJlLXdyb25n";
const asApiKey = [{ kind: "apiKey" as const, value: TOKEN }];
const asToken = [{ kind: "token" as const, value: TOKEN }];

let s: TestServer;
let ha: HomeAssistantEmulator;
const extra: FakeServer[] = [];

beforeAll(async () => {
  s = await startPatchbay();
  ha = await startHomeAssistant({ token: TOKEN, version: "2025.1.4" });
});
afterAll(async () => {
  await Promise.all([ha?.close(), ...extra.map((e) => e.close())]);
  await s?.close();
});

async function emulator(opts: Omit<HomeAssistantOptions, "token">) {
  const e = await startHomeAssistant({ token: TOKEN, ...opts });
  extra.push(e);
  return e;
}

describe("homeAssistant: connection test", () => {
  it("is in the catalog: smartHome + search, a long-lived token as apiKey or token, port 8123", async () => {
    const entry = (await s.anonymous.integration.getKinds.query()).find((k) => k.kind === "homeAssistant");
    expect(entry).toMatchObject({ name: "Home Assistant", categories: ["smartHome", "search"], secretOptions: [["apiKey"], ["token"]], defaultPort: 8123, minVersion: "0.78" });
  });

  it("accepts the long-lived token as apiKey or as token, sent as Bearer, and reports the version", async () => {
    expect(await testConnection(s, "homeAssistant", ha.url, asApiKey)).toEqual({ ok: true, version: "2025.1.4" });
    expect(await testConnection(s, "homeAssistant", ha.url, asToken)).toEqual({ ok: true, version: "2025.1.4" });
    const config = ha.requests.filter((r) => r.url === "/api/config");
    expect(config).toHaveLength(2);
    for (const r of config) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(ha.failedLogins).toBe(0);
    expect(await createIntegration(s, "Home", "homeAssistant", ha.url, asToken)).toEqual(expect.any(String));
  });

  it("a wrong token is INVALID_CREDENTIALS telling where to create one, after exactly one failed login", async () => {
    const before = ha.failedLogins;
    const error = await expectTestError(s, "homeAssistant", ha.url, [{ kind: "token", value: WRONG }], "INVALID_CREDENTIALS");
    expect(error.details?.statusCode).toBe(401);
    expect(error.message).toMatch(/Profile → Security/);
    expect(error.message).toMatch(/[Ll]ong-lived access token/);
    expectNoSecret(error, [TOKEN, WRONG]);
    // Each rejected token is a "Login attempt failed" notification in Home Assistant: no retries.
    expect(ha.failedLogins - before).toBe(1);
  });

  it("once Home Assistant banned Patchbay's IP (403), even the right token is INVALID_CREDENTIALS naming the ban", async () => {
    const e = await emulator({ loginAttemptsThreshold: 1 });
    await expectTestError(s, "homeAssistant", e.url, [{ kind: "apiKey", value: WRONG }], "INVALID_CREDENTIALS");
    const error = await expectTestError(s, "homeAssistant", e.url, asApiKey, "INVALID_CREDENTIALS");
    expect(error.details?.statusCode).toBe(403);
    expect(error.message).toMatch(/ip_bans\.yaml/);
  });

  it("Sonarr given to the homeAssistant kind (it accepts Bearer keys too) is UNEXPECTED_RESPONSE", async () => {
    const sonarr = await startArr({ app: "Sonarr", apiKey: TOKEN });
    extra.push(sonarr);
    const error = await expectTestError(s, "homeAssistant", sonarr.url, asApiKey, "UNEXPECTED_RESPONSE");
    expect(error.message).toMatch(/does not answer like Home Assistant/);
  });

  it("a release older than long-lived tokens (0.78) is UNSUPPORTED_VERSION", async () => {
    const e = await emulator({ version: "0.77.3" });
    const error = await expectTestError(s, "homeAssistant", e.url, asApiKey, "UNSUPPORTED_VERSION");
    expect(error.message).toContain("0.77.3");
    expect(error.details).toMatchObject({ version: "0.77.3", minVersion: "0.78" });
  });
});

describe("homeAssistant: search", () => {
  let integrationId: string;
  beforeAll(async () => {
    integrationId = await createIntegration(s, "Home search", "homeAssistant", ha.url, asApiKey);
  });

  it("filters /api/states by friendly name locally; the query never leaves Patchbay", async () => {
    const before = ha.requests.length;
    const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC });
    expect(results).toEqual([
      {
        id: "media_player.den",
        name: EXOTIC,
        link: `${ha.url}/history?entity_id=media_player.den`,
        // The entity picture's access token is removed on the way out (src/engine/redact.ts): a `use` user never gets it.
        image: `${ha.url}/api/media_player_proxy/media_player.den`,
        text: "media_player.den: playing",
        type: "media_player",
      },
    ]);
    // Home Assistant has no search endpoint: one plain GET of all states, nothing of the query in it.
    expect(ha.requests.slice(before).map((r) => r.url)).toEqual(["/api/states"]);
    expectNoSecret(results, [TOKEN]);
  });

  it("matches entity ids and friendly names case-insensitively, exact/prefix matches first, with units in the text", async () => {
    const temp = await s.admin.integration.searchInIntegration.query({ integrationId, query: "TEMPERATURE" });
    expect(temp).toEqual([
      {
        id: "sensor.outdoor_temperature",
        name: "Outdoor temperature",
        link: `${ha.url}/history?entity_id=sensor.outdoor_temperature`,
        text: "sensor.outdoor_temperature: 7.5 °C",
        type: "sensor",
      },
    ]);
    const living = await s.admin.integration.searchInIntegration.query({ integrationId, query: "living" });
    expect(living.map((r) => r.id)).toEqual(["light.living_room"]);
    const byId = await s.admin.integration.searchInIntegration.query({ integrationId, query: "sun.sun" });
    expect(byId.map((r) => [r.id, r.type])).toEqual([["sun.sun", "sun"]]);
    expect(await s.admin.integration.searchInIntegration.query({ integrationId, query: "nothing-like-this" })).toEqual([]);
  });

  it("a service that stops answering is GATEWAY_TIMEOUT within the deadline", async () => {
    const fast = await startPatchbay({ testTimeoutMs: 1000 });
    const opts: HomeAssistantOptions = { token: TOKEN };
    const slow = await startHomeAssistant(opts);
    try {
      const id = await createIntegration(fast, "Home hanging", "homeAssistant", slow.url, asApiKey);
      opts.hang = true;
      const started = Date.now();
      const err = await errorOf(fast.admin.integration.searchInIntegration.query({ integrationId: id, query: EXOTIC }));
      expect(err.code).toBe("GATEWAY_TIMEOUT");
      expect(err.httpStatus).toBe(504);
      expect(Date.now() - started).toBeLessThan(3000);
      expectNoSecret(err.message, [TOKEN]);
    } finally {
      await slow.close();
      await fast.close();
    }
  });

  it("a service that went away is BAD_GATEWAY", async () => {
    const gone = await startHomeAssistant({ token: TOKEN });
    const id = await createIntegration(s, "Home gone", "homeAssistant", gone.url, asApiKey);
    await gone.close();
    const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId: id, query: EXOTIC }));
    expect(err.code).toBe("BAD_GATEWAY");
    expect(err.message).toMatch(/Nothing is listening/);
    expectNoSecret(err.message, [TOKEN]);
  });

  it("no token appeared in Patchbay's logs", () => {
    expectNoSecret(s.logs.join("\n"), [TOKEN, WRONG]);
  });
});
