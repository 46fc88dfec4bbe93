import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { available as aria2Available, startAria2, type RealAria2 } from "../aria2/real.js";
import { available, startNzbget, type RealNzbget } from "./real.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { createIntegration, expectNoSecret, expectOtherKindsRefuse, expectTestError, testConnection, type Secret } from "../testing/kind-helpers.js";

/**
 * The nzbget kind against the real NZBGet (Debian 21.0) through Patchbay's public API over HTTP. The
 * "wrong service" is a real aria2, whose /jsonrpc also speaks JSON-RPC (but not NZBGet's dialect).
 */
const WRONG_PASSWORD = "not-the-nzb-password-3f7e";

describe.skipIf(!available() || !aria2Available())("NZBGet (real nzbget)", () => {
  let s: TestServer;
  let nzb: RealNzbget;
  let aria2: RealAria2;
  const creds = (password = nzb.credentials.password, username = nzb.credentials.username): Secret[] => [
    { kind: "username", value: username },
    { kind: "password", value: password },
  ];
  const secretValues = () => [nzb.credentials.password, WRONG_PASSWORD, aria2.credentials.token!];

  beforeAll(async () => {
    [s, nzb, aria2] = await Promise.all([startPatchbay(), startNzbget(), startAria2()]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), nzb?.stop(), aria2?.stop()]);
  });

  it("create saves the integration and testConnection reports the real version", async () => {
    const id = await createIntegration(s, "NZBGet", "nzbget", nzb.url, creds());
    const byId = await s.admin.integration.testConnection.mutate({ id });
    expect(byId).toEqual({ ok: true, version: nzb.version });
    expect(nzb.version).toMatch(/^\d+\.\d+/);
    const all = await s.admin.integration.all.query();
    expect(all.find((i: { id: string }) => i.id === id)).toMatchObject({ kind: "nzbget" });
  });

  it("sends the credentials as a Basic header to POST /jsonrpc, never in the URL", async () => {
    const proxy = await startRecordingProxy(nzb.url);
    try {
      const r = await testConnection(s, "nzbget", proxy.url, creds());
      expect(r).toEqual({ ok: true, version: nzb.version });
      expect(proxy.exchanges).toHaveLength(1);
      const [ex] = proxy.exchanges;
      expect(ex).toMatchObject({ method: "POST", path: "/jsonrpc", status: 200 });
      expect(JSON.parse(ex!.requestBody)).toMatchObject({ method: "version" });
      const basic = Buffer.from(`${nzb.credentials.username}:${nzb.credentials.password}`).toString("base64");
      expect(ex!.requestHeaders.authorization).toBe(`Basic ${basic}`);
      expect(JSON.parse(ex!.responseBody)).toMatchObject({ result: nzb.version });
    } finally {
      await proxy.close();
    }
  });

  it("a wrong user name right after a wrong password is INVALID_CREDENTIALS too", async () => {
    // A wrong password in general: the contract suite (contract.test.ts), with NZBGet's 401.
    await expectTestError(s, "nzbget", nzb.url, creds(WRONG_PASSWORD), "INVALID_CREDENTIALS");
    // Right after a 401, NZBGet closes the connection it announced as keep-alive: this second test must
    // not trip over that socket ("closed the connection"), and must again say INVALID_CREDENTIALS.
    const e = await expectTestError(s, "nzbget", nzb.url, creds(nzb.credentials.password, "nobody"), "INVALID_CREDENTIALS");
    expect(e.details).toMatchObject({ statusCode: 401 });
  });

  it("the nzbget kind pointed at a real aria2 is UNEXPECTED_RESPONSE", async () => {
    const e = await expectTestError(s, "nzbget", aria2.url, creds(), "UNEXPECTED_RESPONSE");
    expect(e.message).toMatch(/NZBGet/);
  });

  it("other kinds pointed at NZBGet (it asks every client for its own login) are UNEXPECTED_RESPONSE", async () => {
    // NZBGet answers 401 realm="NZBGet" to anyone without its login: not a wrong key for SABnzbd or aria2.
    await expectOtherKindsRefuse(s, nzb.url, secretValues(), [
      { kind: "sabnzbd", secrets: [{ kind: "apiKey", value: nzb.credentials.password }], names: /SABnzbd/ },
      { kind: "aria2", secrets: [{ kind: "token", value: nzb.credentials.password }], names: /aria2/ },
    ]);
  });

  it("Patchbay's log never contains a secret", () => {
    const logs = s.logs.join("\n");
    expect(logs).toMatch(/nzbget/);
    expectNoSecret(logs, secretValues());
  });
});
