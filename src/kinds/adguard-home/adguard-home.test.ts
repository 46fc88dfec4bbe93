import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startAdGuardHome } from "./emulator.js";
import { closedAfterAll } from "../testing/home-family.js";
import { startArr } from "../arr-family/emulator.js";
import { createIntegration, expectNoSecret, expectTestError, testConnection, type Secret } from "../testing/kind-helpers.js";

/** AdGuard Home through the public API, against the emulator in src/kinds/adguard-home/emulator.ts. */
let s: TestServer;
const USER = "admin";
const PASSWORD = "agh-password-Zq7#kL2";
const WRONG = "agh-wrong-password-55";
const good: Secret[] = [
  { kind: "username", value: USER },
  { kind: "password", value: PASSWORD },
];
const bad: Secret[] = [
  { kind: "username", value: USER },
  { kind: "password", value: WRONG },
];

const adguard = closedAfterAll(startAdGuardHome);
const arrApp = closedAfterAll(startArr);

beforeAll(async () => {
  s = await startPatchbay();
});
afterAll(async () => {
  if (s) expectNoSecret(s.logs.join("\n"), [PASSWORD, WRONG]);
  await s?.close();
});

describe("adguardHome", () => {
  it("creates with username and password and reports the version", async () => {
    const agh = await adguard({ users: [{ name: USER, password: PASSWORD }], version: "v0.107.57" });
    const id = await createIntegration(s, "AdGuard", "adguardHome", agh.url, good);
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: "0.107.57" });
    const call = agh.requests.find((r) => r.url === "/control/status")!;
    expect(call.headers.authorization).toBe("Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
  });

  it("a wrong password (401, empty body) is INVALID_CREDENTIALS", async () => {
    const agh = await adguard({ users: [{ name: USER, password: PASSWORD }] });
    const raw = await fetch(`${agh.url}/control/status`, { headers: { authorization: "Basic " + Buffer.from(`${USER}:${WRONG}`).toString("base64") } });
    expect(raw.status).toBe(401);
    expect(await raw.text()).toBe("");
    expect(raw.headers.get("www-authenticate")).toBeNull();
    const err = await expectTestError(s, "adguardHome", agh.url, bad, "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/username or password/);
    const wrongUser = await expectTestError(s, "adguardHome", agh.url, [{ kind: "username", value: "root" }, { kind: "password", value: PASSWORD }], "INVALID_CREDENTIALS");
    expectNoSecret(wrongUser, [PASSWORD]);
  });

  it("after 5 failures even the right password is refused; the message says why", async () => {
    const agh = await adguard({ users: [{ name: USER, password: PASSWORD }], maxFailures: 5 });
    for (let i = 0; i < 5; i++) await expectTestError(s, "adguardHome", agh.url, bad, "INVALID_CREDENTIALS");
    const err = await expectTestError(s, "adguardHome", agh.url, good, "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/15 minutes/);
  });

  it("without users AdGuard Home checks nothing: any credentials pass (documented, not detectable)", async () => {
    const agh = await adguard({ users: [] });
    expect(await testConnection(s, "adguardHome", agh.url, bad)).toEqual({ ok: true, version: "0.107.57" });
  });

  it("needs both username and password (catalog secret option)", async () => {
    const agh = await adguard({ users: [{ name: USER, password: PASSWORD }] });
    await expect(testConnection(s, "adguardHome", agh.url, [{ kind: "password", value: PASSWORD }])).rejects.toThrow(/username, password/);
  });

  it("an *arr app is UNEXPECTED_RESPONSE", async () => {
    const arr = await arrApp({ app: "Radarr", apiKey: "k" });
    await expectTestError(s, "adguardHome", arr.url, good, "UNEXPECTED_RESPONSE");
  });

  it("is in the catalog as a DNS hole with username+password", async () => {
    const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === "adguardHome");
    expect(k).toMatchObject({ name: "AdGuard Home", categories: ["dnsHole"], secretOptions: [["username", "password"]] });
  });
});
