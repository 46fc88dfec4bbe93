import { describe, expect, it } from "vitest";
import type { TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { startTdarr } from "./emulator.js";
import { createIntegration, expectTestError, startHtmlPage, testConnection, usePatchbay } from "../testing/kind-helpers.js";

/** Tdarr through the public API, against the emulator in src/kinds/tdarr/emulator.ts (auth on and off). */
let s: TestServer;
const KEY = "tapi_Zx9Kq2Lm4Np6Rs8Tv0";
const WRONG = "tapi_wrong_key_000111";

const track = usePatchbay([KEY, WRONG], (x) => (s = x));

describe("tdarr with authentication on", () => {
  it("creates with the API key and reports the version", async () => {
    const td = await track(startTdarr({ auth: true, apiKeys: [KEY], version: "2.27.02" }));
    const id = await createIntegration(s, "Tdarr", "tdarr", td.url, [{ kind: "apiKey", value: KEY }]);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "2.27.02" });
    const alive = td.requests.find((r) => r.url === "/api/v2/is-server-alive")!;
    expect(alive.method).toBe("POST");
    expect(alive.headers["x-api-key"]).toBe(KEY);
    expect(alive.headers.accept).toBe("application/json");
  });

  it("a wrong key is INVALID_CREDENTIALS", async () => {
    const td = await track(startTdarr({ auth: true, apiKeys: [KEY] }));
    const err = await expectTestError(s, "tdarr", td.url, [{ kind: "apiKey", value: WRONG }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/rejected the API key/);
  });

  it("no key on a server with authentication is INVALID_CREDENTIALS asking for one", async () => {
    const td = await track(startTdarr({ auth: true, apiKeys: [KEY] }));
    const err = await expectTestError(s, "tdarr", td.url, [], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/authentication turned on/);
    expect(td.requests[0]!.headers["x-api-key"]).toBe("");
  });

  it("an older major is UNSUPPORTED_VERSION", async () => {
    const td = await track(startTdarr({ auth: true, apiKeys: [KEY], version: "1.3000.1" }));
    const err = await expectTestError(s, "tdarr", td.url, [{ kind: "apiKey", value: KEY }], "UNSUPPORTED_VERSION");
    expect(err.details).toMatchObject({ version: "1.3000.1", minVersion: "2.0" });
  });
});

describe("tdarr with authentication off", () => {
  it("passes without a key (the empty secret option)", async () => {
    const td = await track(startTdarr({ auth: false }));
    expect(await testConnection(s, "tdarr", td.url, [])).toEqual({ ok: true, version: "2.27.02" });
  });

  it("accepts any key: a wrong one cannot be detected (documented)", async () => {
    const td = await track(startTdarr({ auth: false }));
    expect(await testConnection(s, "tdarr", td.url, [{ kind: "apiKey", value: WRONG }])).toEqual({ ok: true, version: "2.27.02" });
  });

  it("is created without a secret", async () => {
    const td = await track(startTdarr({ auth: false }));
    const id = await createIntegration(s, "Tdarr open", "tdarr", td.url, []);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "2.27.02" });
  });
});

describe("tdarr: not Tdarr, or nothing there", () => {
  it("an *arr app (key accepted there) is UNEXPECTED_RESPONSE", async () => {
    const arr = await track(startArr({ app: "Sonarr", apiKey: KEY }));
    await expectTestError(s, "tdarr", arr.url, [{ kind: "apiKey", value: KEY }], "UNEXPECTED_RESPONSE");
  });

  it("a plain web page is UNEXPECTED_RESPONSE", async () => {
    const page = await track(startHtmlPage());
    await expectTestError(s, "tdarr", page.url, [], "UNEXPECTED_RESPONSE");
  });


  it("is in the catalog with none | apiKey", async () => {
    const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === "tdarr");
    expect(k).toMatchObject({ name: "Tdarr", categories: ["mediaTranscoding"], secretOptions: [[], ["apiKey"]], defaultPort: 8265 });
  });
});
