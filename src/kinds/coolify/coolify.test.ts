import { describe, expect, it } from "vitest";
import type { TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { startCoolify } from "./emulator.js";
import { createIntegration, expectTestError, startHtmlPage, testConnection, usePatchbay } from "../testing/kind-helpers.js";

/** Coolify v4 through the public API, against the emulator in src/kinds/coolify/emulator.ts. */
let s: TestServer;
const TOKEN = "3|WaobqX9tJQshKPuQFHsyApxuOOggg4wOfvGc9xa2";
const WRONG = "3|wrongWrongWrong0000000000000000000000000";

const track = usePatchbay([TOKEN, WRONG], (x) => (s = x));

describe("coolify", () => {
  it("creates with an API token (as apiKey or as token) and reports the version", async () => {
    const c = await track(startCoolify({ tokens: [TOKEN], version: "4.0.0-beta.420" }));
    const id = await createIntegration(s, "Coolify", "coolify", c.url, [{ kind: "apiKey", value: TOKEN }]);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "4.0.0-beta.420" });
    expect(await testConnection(s, "coolify", c.url, [{ kind: "token", value: TOKEN }])).toEqual({ ok: true, version: "4.0.0-beta.420" });
    const call = c.requests.find((r) => r.url === "/api/v1/version")!;
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers.accept).toBe("application/json");
  });

  it("a wrong token is INVALID_CREDENTIALS (Laravel's 401 JSON needs Accept: application/json)", async () => {
    const c = await track(startCoolify({ tokens: [TOKEN] }));
    // The emulator's two faces: JSON 401 when asked for JSON, a redirect to the login page otherwise.
    const json = await fetch(`${c.url}/api/v1/version`, { headers: { authorization: `Bearer ${WRONG}`, accept: "application/json" } });
    expect([json.status, await json.json()]).toEqual([401, { message: "Unauthenticated." }]);
    const html = await fetch(`${c.url}/api/v1/version`, { headers: { authorization: `Bearer ${WRONG}`, accept: "text/html" }, redirect: "manual" });
    expect(html.status).toBe(302);
    const err = await expectTestError(s, "coolify", c.url, [{ kind: "apiKey", value: WRONG }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/rejected the API token/);
  });

  it("API disabled is a clear HTTP_ERROR 403", async () => {
    const c = await track(startCoolify({ tokens: [TOKEN], apiEnabled: false }));
    const err = await expectTestError(s, "coolify", c.url, [{ kind: "apiKey", value: TOKEN }], "HTTP_ERROR");
    expect(err.details).toMatchObject({ statusCode: 403, reason: "api_disabled" });
    expect(err.message).toMatch(/API Access/);
    // Authentication runs before the API switch: a wrong token is still a credentials problem.
    await expectTestError(s, "coolify", c.url, [{ kind: "apiKey", value: WRONG }], "INVALID_CREDENTIALS");
  });

  it("an IP outside the allow list is a clear HTTP_ERROR 403", async () => {
    const c = await track(startCoolify({ tokens: [TOKEN], allowedIps: ["10.0.0.5"] }));
    const err = await expectTestError(s, "coolify", c.url, [{ kind: "apiKey", value: TOKEN }], "HTTP_ERROR");
    expect(err.details).toMatchObject({ statusCode: 403, reason: "ip_not_allowed" });
  });

  it("an *arr app or a plain web page is UNEXPECTED_RESPONSE", async () => {
    const arr = await track(startArr({ app: "Sonarr", apiKey: TOKEN }));
    await expectTestError(s, "coolify", arr.url, [{ kind: "apiKey", value: TOKEN }], "UNEXPECTED_RESPONSE");
    const page = await track(startHtmlPage());
    await expectTestError(s, "coolify", page.url, [{ kind: "apiKey", value: TOKEN }], "UNEXPECTED_RESPONSE");
  });


  it("is in the catalog as monitoring with apiKey | token", async () => {
    const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === "coolify");
    expect(k).toMatchObject({ name: "Coolify", categories: ["monitoring"], secretOptions: [["apiKey"], ["token"]], defaultPort: 8000 });
  });
});
