import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { available as aria2Available, startAria2, type RealAria2 } from "../aria2/real.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { available, SAB_START_MS, startSabnzbd, type RealSabnzbd } from "./real.js";
import { createIntegration, expectNoSecret, expectOtherKindsRefuse, expectTestError, testConnection, type Secret } from "../testing/kind-helpers.js";

/**
 * The sabnzbd kind against the real SABnzbd (Debian sabnzbdplus 3.7.1, installed by scripts/install-sabnzbd.sh)
 * through Patchbay's public API over HTTP. The "wrong service" is a real aria2.
 */
const WRONG_KEY = "0123456789abcdef0123456789abcdef";

describe.skipIf(!available() || !aria2Available())("SABnzbd (real sabnzbdplus)", () => {
  let s: TestServer;
  let sab: RealSabnzbd;
  let aria2: RealAria2;
  const key = (value = sab.credentials.apiKey): Secret[] => [{ kind: "apiKey", value }];
  const secretValues = () => [sab.credentials.apiKey, sab.credentials.nzbKey, WRONG_KEY, aria2.credentials.token!];

  beforeAll(async () => {
    [s, sab, aria2] = await Promise.all([startPatchbay(), startSabnzbd(), startAria2()]);
  }, SAB_START_MS);
  afterAll(async () => {
    await Promise.all([s?.close(), sab?.stop(), aria2?.stop()]);
  });

  it("create saves the integration and testConnection reports the real version", async () => {
    const id = await createIntegration(s, "SABnzbd", "sabnzbd", sab.url, key());
    const byId = await s.admin.integration.testConnection.mutate({ id });
    expect(byId).toEqual({ ok: true, version: sab.version });
    expect(sab.version).toMatch(/^\d+\.\d+/);
  });

  it("proves the key with mode=queue (apikey query parameter), not with mode=version which takes any key", async () => {
    const proxy = await startRecordingProxy(sab.url);
    try {
      expect(await testConnection(s, "sabnzbd", proxy.url, key())).toEqual({ ok: true, version: sab.version });
      expect(proxy.exchanges).toHaveLength(1);
      const url = new URL(proxy.exchanges[0]!.path, "http://x");
      expect(url.pathname).toBe("/api");
      expect(url.searchParams.get("mode")).toBe("queue");
      expect(url.searchParams.get("apikey")).toBe(sab.credentials.apiKey);
      expect(JSON.parse(proxy.exchanges[0]!.responseBody)).toMatchObject({ queue: { version: sab.version } });
    } finally {
      await proxy.close();
    }
    // The reason: the real server answers mode=version to a wrong key.
    const version = await fetch(`${sab.url}/api?mode=version&output=json&apikey=${WRONG_KEY}`);
    expect(version.status).toBe(200);
    expect(await version.json()).toEqual({ version: sab.version });
  });

  it("the NZB key (it may only add NZBs) is INVALID_CREDENTIALS", async () => {
    // A wrong key in general: the contract suite (contract.test.ts), with SABnzbd's 403.
    const nzb = await expectTestError(s, "sabnzbd", sab.url, key(sab.credentials.nzbKey), "INVALID_CREDENTIALS");
    expect(nzb.message).toMatch(/NZB Key/);
    expect(nzb.details).toMatchObject({ statusCode: 403 });
  });

  it("the sabnzbd kind pointed at a real aria2 is UNEXPECTED_RESPONSE", async () => {
    const e = await expectTestError(s, "sabnzbd", aria2.url, key(), "UNEXPECTED_RESPONSE");
    expect(e.message).toMatch(/SABnzbd/);
  });

  it("other kinds pointed at SABnzbd are UNEXPECTED_RESPONSE", async () => {
    await expectOtherKindsRefuse(s, sab.url, secretValues(), [
      { kind: "nzbget", secrets: [{ kind: "username", value: "admin" }, { kind: "password", value: sab.credentials.apiKey }], names: /NZBGet/ },
      { kind: "aria2", secrets: [{ kind: "token", value: sab.credentials.apiKey }], names: /aria2/ },
    ]);
  });

  it("Patchbay's log never contains a secret", () => {
    const logs = s.logs.join("\n");
    expect(logs).toMatch(/sabnzbd/);
    expectNoSecret(logs, secretValues());
  });
});
