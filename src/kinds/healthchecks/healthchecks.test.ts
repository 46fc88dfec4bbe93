import { describe, expect, it } from "vitest";
import type { TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { startHealthchecks } from "./emulator.js";
import { createIntegration, expectTestError, testConnection, usePatchbay } from "../testing/kind-helpers.js";

/** Healthchecks through the public API, against the emulator in src/kinds/healthchecks/emulator.ts. */
let s: TestServer;
const KEY = "hcw_Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"; // 32 characters, like Healthchecks' keys
const RO_KEY = "hcr_Zy9xWv8uTs7rQp6oNm5lKj4iHg3f";
const WRONG = "hcw_0000000000000000000000000000"; // 32 characters, unknown
const SHORT = "hcw_too_short_key";
if (![KEY, RO_KEY, WRONG].every((k) => k.length === 32)) throw new Error("the test keys must have 32 characters, like Healthchecks' own");

const track = usePatchbay([KEY, RO_KEY, WRONG, SHORT], (x) => (s = x));

describe("healthchecks", () => {
  it("creates with a read-write key (no version endpoint: ok without version)", async () => {
    const hc = await track(startHealthchecks({ apiKey: KEY }));
    const id = await createIntegration(s, "Healthchecks", "healthchecks", hc.url, [{ kind: "apiKey", value: KEY }]);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true });
    const call = hc.requests.find((r) => r.url === "/api/v3/checks/")!;
    expect(call.headers["x-api-key"]).toBe(KEY);
  });

  it("accepts a read-only key", async () => {
    const hc = await track(startHealthchecks({ apiKey: KEY, readOnlyKey: RO_KEY }));
    expect(await testConnection(s, "healthchecks", hc.url, [{ kind: "apiKey", value: RO_KEY }])).toEqual({ ok: true });
  });

  it("an unknown 32-character key ('wrong api key') is INVALID_CREDENTIALS", async () => {
    const hc = await track(startHealthchecks({ apiKey: KEY }));
    const raw = await fetch(`${hc.url}/api/v3/checks/`, { headers: { "x-api-key": WRONG } });
    expect([raw.status, await raw.json()]).toEqual([401, { error: "wrong api key" }]);
    const err = await expectTestError(s, "healthchecks", hc.url, [{ kind: "apiKey", value: WRONG }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/does not know this API key/);
  });

  it("a key of the wrong length ('missing api key') is INVALID_CREDENTIALS that says so", async () => {
    const hc = await track(startHealthchecks({ apiKey: KEY }));
    const raw = await fetch(`${hc.url}/api/v3/checks/`, { headers: { "x-api-key": SHORT } });
    expect([raw.status, await raw.json()]).toEqual([401, { error: "missing api key" }]);
    const err = await expectTestError(s, "healthchecks", hc.url, [{ kind: "apiKey", value: SHORT }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/32 characters/);
  });

  it("a server without API v3 is UNSUPPORTED_VERSION", async () => {
    const hc = await track(startHealthchecks({ apiKey: KEY, legacy: true }));
    await expectTestError(s, "healthchecks", hc.url, [{ kind: "apiKey", value: KEY }], "UNSUPPORTED_VERSION");
  });

  it("an *arr app is UNEXPECTED_RESPONSE, whether or not it accepts the key", async () => {
    const arr = await track(startArr({ app: "Sonarr", apiKey: KEY }));
    await expectTestError(s, "healthchecks", arr.url, [{ kind: "apiKey", value: KEY }], "UNEXPECTED_RESPONSE");
    // Its bare 401 is not Healthchecks' explained 401.
    await expectTestError(s, "healthchecks", arr.url, [{ kind: "apiKey", value: WRONG }], "UNEXPECTED_RESPONSE");
  });


  it("is in the catalog as monitoring with apiKey", async () => {
    const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === "healthchecks");
    expect(k).toMatchObject({ name: "Healthchecks", categories: ["monitoring"], secretOptions: [["apiKey"]], defaultPort: 8000 });
  });
});
