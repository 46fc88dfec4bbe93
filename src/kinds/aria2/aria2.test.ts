import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { available, startAria2, type RealAria2 } from "./real.js";
import { available as nzbgetAvailable, startNzbget, type RealNzbget } from "../nzbget/real.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { closedPort, createIntegration, expectNoSecret, expectTestError, testConnection, type Secret } from "../testing/kind-helpers.js";

/**
 * The aria2 kind (secret option [["token"]]: aria2 calls its --rpc-secret a token and it travels as
 * "token:<secret>") against the real aria2c (Debian 1.36.0) through Patchbay's public API over HTTP. The
 * "wrong service" is a real NZBGet, the other JSON-RPC-over-/jsonrpc download client.
 */
const WRONG_TOKEN = "not-the-aria2-token-6d0b";

describe.skipIf(!available() || !nzbgetAvailable())("aria2 (real aria2c)", () => {
  let s: TestServer;
  let aria2: RealAria2;
  let nzb: RealNzbget;
  const token = (value = aria2.credentials.token!): Secret[] => [{ kind: "token", value }];
  const secretValues = () => [aria2.credentials.token!, WRONG_TOKEN, nzb.credentials.password];

  beforeAll(async () => {
    [s, aria2, nzb] = await Promise.all([startPatchbay(), startAria2(), startNzbget()]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), aria2?.stop(), nzb?.stop()]);
  });

  it("the catalog describes aria2 with a token secret and port 6800", async () => {
    const kinds = await s.anonymous.integration.getKinds.query();
    expect(kinds.find((k) => k.kind === "aria2")).toMatchObject({ categories: ["download"], secretOptions: [["token"]], defaultPort: 6800 });
  });

  it("create saves the integration and testConnection reports the real version", async () => {
    const id = await createIntegration(s, "aria2", "aria2", aria2.url, token());
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true, version: aria2.version });
    expect(aria2.version).toMatch(/^\d+\.\d+/);
  });

  it("calls aria2.getVersion with the secret as the first JSON-RPC parameter, token:<secret>", async () => {
    const proxy = await startRecordingProxy(aria2.url);
    try {
      expect(await testConnection(s, "aria2", proxy.url, token())).toEqual({ ok: true, version: aria2.version });
      expect(proxy.exchanges).toHaveLength(1);
      const [ex] = proxy.exchanges;
      expect(ex).toMatchObject({ method: "POST", path: "/jsonrpc", status: 200 });
      expect(JSON.parse(ex!.requestBody)).toMatchObject({ jsonrpc: "2.0", method: "aria2.getVersion", params: [`token:${aria2.credentials.token}`] });
    } finally {
      await proxy.close();
    }
  });

  it("a wrong token is INVALID_CREDENTIALS (aria2 answers HTTP 400 Unauthorized); create saves nothing", async () => {
    const before = (await s.admin.integration.all.query()).length;
    const e = await expectTestError(s, "aria2", aria2.url, token(WRONG_TOKEN), "INVALID_CREDENTIALS");
    expect(e.message).toMatch(/aria2/);
    expect(e.details).toMatchObject({ statusCode: 400 });
    const created = await s.admin.integration.create.mutate({ name: "aria2 wrong", kind: "aria2", url: aria2.url, secrets: token(WRONG_TOKEN) });
    expect(created).toMatchObject({ error: { code: "INVALID_CREDENTIALS" } });
    expectNoSecret(created, secretValues());
    expect((await s.admin.integration.all.query()).length).toBe(before);
  });

  it("the aria2 kind pointed at a real NZBGet is UNEXPECTED_RESPONSE", async () => {
    const e = await expectTestError(s, "aria2", nzb.url, token(), "UNEXPECTED_RESPONSE");
    expect(e.message).toMatch(/aria2/);
  });

  it("a closed port is CONNECTION_REFUSED", async () => {
    await expectTestError(s, "aria2", `http://127.0.0.1:${await closedPort()}`, token(), "CONNECTION_REFUSED");
  });

  it("documented limit: an aria2 started without --rpc-secret accepts any token", async () => {
    const open = await startAria2({ token: null });
    try {
      expect(await testConnection(s, "aria2", open.url, token(WRONG_TOKEN))).toEqual({ ok: true, version: open.version });
    } finally {
      await open.stop();
    }
  });

  it("Patchbay's log never contains a secret", () => {
    const logs = s.logs.join("\n");
    expect(logs).toMatch(/aria2/);
    expectNoSecret(logs, secretValues());
  });
});
