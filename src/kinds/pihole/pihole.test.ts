import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { piholeV5Token, startPihole } from "./emulator.js";
import { closedAfterAll } from "../testing/home-family.js";
import { createIntegration, expectNoSecret, expectTestError, testConnection } from "../testing/kind-helpers.js";

/**
 * Pi-hole v5 and v6 through the public API (integration.create / integration.testConnection over HTTP), against
 * the emulator in src/kinds/pihole/emulator.ts.
 */
let s: TestServer;
const PASSWORD = "v6-web-password-Tr0ub4dor&3";
const APP_PASSWORD = "v6-app-password-9f8e7d6c5b4a";
const V5_PASSWORD = "v5-web-password-correct-horse";
const V5_TOKEN = piholeV5Token(V5_PASSWORD);
const ALL_SECRETS = [PASSWORD, APP_PASSWORD, V5_PASSWORD, V5_TOKEN, "wrong-password-xyz", piholeV5Token("nope")];

const pihole = closedAfterAll(startPihole);
const arrApp = closedAfterAll(startArr);

beforeAll(async () => {
  s = await startPatchbay();
});
afterAll(async () => {
  if (s) expectNoSecret(s.logs.join("\n"), ALL_SECRETS);
  await s?.close();
});

describe("pihole v6", () => {
  it("creates with the web password and reports the core version", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, coreVersion: "v6.0.4" });
    const id = await createIntegration(s, "Pi-hole v6", "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }]);
    expect(id).toBeTruthy();
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "6.0.4" });
    // The dance really happened: login with the password, version read with the session id, logout with it.
    const login = ph.requests.find((r) => r.method === "POST" && r.url === "/api/auth")!;
    expect(JSON.parse(login.body)).toEqual({ password: PASSWORD });
    const authedVersion = ph.requests.filter((r) => r.url === "/api/info/version" && r.headers["x-ftl-sid"]);
    expect(authedVersion).toHaveLength(2);
    expect(ph.openSessions()).toBe(0);
  });

  it("logs out after every test: more tests than seats succeed and leave no session open", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, maxSessions: 3 });
    for (let i = 0; i < 7; i++) {
      const res = await testConnection(s, "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }]);
      expect(res, `test #${i + 1}`).toEqual({ ok: true, version: "6.0.4" });
    }
    expect(ph.stats.created).toBe(7);
    expect(ph.stats.deleted).toBe(7);
    expect(ph.openSessions()).toBe(0);
    const deletes = ph.requests.filter((r) => r.method === "DELETE" && r.url === "/api/auth");
    expect(deletes).toHaveLength(7);
    for (const d of deletes) expect(d.headers["x-ftl-sid"]).toBeTruthy();
  });

  it("accepts an app password", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, appPassword: APP_PASSWORD });
    expect(await testConnection(s, "pihole", ph.url, [{ kind: "apiKey", value: APP_PASSWORD }])).toEqual({ ok: true, version: "6.0.4" });
    expect(ph.openSessions()).toBe(0);
  });

  it("a wrong password is INVALID_CREDENTIALS, and nothing is saved", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD });
    const err = await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: "wrong-password-xyz" }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/app password/);
    expect(ph.stats.failedLogins).toBe(1);
    const before = (await s.admin.integration.all.query()).length;
    const created = (await s.admin.integration.create.mutate({ name: "bad", kind: "pihole", url: ph.url, secrets: [{ kind: "apiKey", value: "wrong-password-xyz" }] })) as {
      error?: { code: string };
    };
    expect(created.error?.code).toBe("INVALID_CREDENTIALS");
    expect((await s.admin.integration.all.query()).length).toBe(before);
    expect(ph.openSessions()).toBe(0);
  });

  it("no secret on a Pi-hole that has a password is INVALID_CREDENTIALS with a hint, without a login attempt", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD });
    const err = await expectTestError(s, "pihole", ph.url, [], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/has a password/);
    expect(ph.requests.some((r) => r.url === "/api/auth")).toBe(false);
  });

  it("no password set: works without a secret and opens no session", async () => {
    const ph = await pihole({ version: 6, coreVersion: "v6.1.0" });
    expect(await testConnection(s, "pihole", ph.url, [])).toEqual({ ok: true, version: "6.1.0" });
    expect(ph.stats.created).toBe(0);
    // A given password is not needed there; the server's "no password set" answer is accepted as well.
    const withKey = await testConnection(s, "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }]);
    expect(withKey).toEqual({ ok: true, version: "6.1.0" });
  });

  it("seat exhaustion gives a clear HTTP_ERROR 429 (not a credentials error)", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, maxSessions: 3 });
    for (let i = 0; i < 3; i++) ph.occupySeat(); // other clients that never log out
    // Prove the emulator's answer first: 429 api_seats_exceeded.
    const raw = await fetch(`${ph.url}/api/auth`, { method: "POST", body: JSON.stringify({ password: PASSWORD }) });
    expect(raw.status).toBe(429);
    expect(((await raw.json()) as { error: { key: string } }).error.key).toBe("api_seats_exceeded");

    const err = await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }], "HTTP_ERROR");
    expect(err.details).toMatchObject({ statusCode: 429, reason: "api_seats_exceeded" });
    expect(err.message).toMatch(/no free API session/);
    expect(err.message).toMatch(/max_sessions/);
    expect(ph.openSessions()).toBe(3);
  });

  it("login rate limiting (429 rate_limiting) is HTTP_ERROR telling to wait, not a credentials verdict", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, rateLimitAfter: 2 });
    await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: "wrong-password-xyz" }], "INVALID_CREDENTIALS");
    await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: "wrong-password-xyz" }], "INVALID_CREDENTIALS");
    const err = await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }], "HTTP_ERROR");
    expect(err.details).toMatchObject({ statusCode: 429, reason: "rate_limiting" });
    expect(err.message).toMatch(/Wait a minute/);
  });

  it("2FA with the real password asks for an app password; the app password passes", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, appPassword: APP_PASSWORD, totp: true });
    const err = await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/two-factor/);
    expect(await testConnection(s, "pihole", ph.url, [{ kind: "apiKey", value: APP_PASSWORD }])).toEqual({ ok: true, version: "6.0.4" });
    expect(ph.openSessions()).toBe(0);
  });

  it("closes the session even when the test fails after the login", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD, failVersionWhenAuthed: true });
    const err = await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: PASSWORD }], "HTTP_ERROR");
    expect(err.details).toMatchObject({ statusCode: 500 });
    expect(ph.stats.created).toBe(1);
    expect(ph.openSessions()).toBe(0);
  });

  it("tolerates a base URL that ends in /admin", async () => {
    const ph = await pihole({ version: 6, password: PASSWORD });
    expect(await testConnection(s, "pihole", `${ph.url}/admin`, [{ kind: "apiKey", value: PASSWORD }])).toEqual({ ok: true, version: "6.0.4" });
    expect(ph.openSessions()).toBe(0);
  });
});

describe("pihole v5", () => {
  it("creates with the API token and reports the core version", async () => {
    const ph = await pihole({ version: 5, password: V5_PASSWORD, coreVersion: "v5.18.3" });
    const id = await createIntegration(s, "Pi-hole v5", "pihole", ph.url, [{ kind: "apiKey", value: V5_TOKEN }]);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "5.18.3" });
    // The v6 probe came first and found nothing (404), then v5's api.php answered.
    expect(ph.requests[0]!.url).toBe("/api/info/version");
  });

  it("a wrong token (HTTP 200 with []) is INVALID_CREDENTIALS, and the token never leaks", async () => {
    const ph = await pihole({ version: 5, password: V5_PASSWORD });
    const wrong = piholeV5Token("nope");
    // The emulator answers exactly like v5: 200 and an empty JSON array.
    const raw = await fetch(`${ph.url}/admin/api.php?status&auth=${wrong}`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe("[]");
    const err = await expectTestError(s, "pihole", ph.url, [{ kind: "apiKey", value: wrong }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/API token/);
  });

  it("no secret on a v5 Pi-hole with a password is INVALID_CREDENTIALS with a hint", async () => {
    const ph = await pihole({ version: 5, password: V5_PASSWORD });
    const err = await expectTestError(s, "pihole", ph.url, [], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/Show API token/);
  });

  it("a v5 Pi-hole without a password passes the test with no secret at all (the empty secret option)", async () => {
    const ph = await pihole({ version: 5 });
    expect(await testConnection(s, "pihole", ph.url, [])).toEqual({ ok: true, version: "5.18.3" });
  });

  it("a v5 Pi-hole without a password is created with no secret at all (the empty secret option)", async () => {
    const ph = await pihole({ version: 5 });
    const id = await createIntegration(s, "Pi-hole open", "pihole", ph.url, []);
    const saved = await s.admin.integration.byId.query({ id });
    expect(saved.secrets).toEqual([]);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "5.18.3" });
  });
});

describe("pihole: not a Pi-hole (wrong page and closed port: contract.test.ts)", () => {
  it("an *arr app is UNEXPECTED_RESPONSE", async () => {
    const arr = await arrApp({ app: "Sonarr", apiKey: PASSWORD });
    await expectTestError(s, "pihole", arr.url, [{ kind: "apiKey", value: PASSWORD }], "UNEXPECTED_RESPONSE");
    await expectTestError(s, "pihole", arr.url, [{ kind: "apiKey", value: "wrong-password-xyz" }], "UNEXPECTED_RESPONSE");
  });

  it("the catalog lists pihole with both secret options", async () => {
    const kinds = await s.anonymous.integration.getKinds.query();
    const k = kinds.find((x) => x.kind === "pihole");
    expect(k).toMatchObject({ name: "Pi-hole", categories: ["dnsHole"], secretOptions: [["apiKey"], []], defaultPort: 80, supportsSearch: false });
  });
});
