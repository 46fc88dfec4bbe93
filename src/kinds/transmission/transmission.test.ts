import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { expectOtherKindsRefuse } from "../testing/kind-helpers.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { available, startTransmission, type RealTransmission } from "./real.js";

/**
 * The transmission kind against the real transmission-daemon (Debian 3.00), through Patchbay's public API
 * over HTTP. Other kinds are pointed at the same server to prove they recognise it is not theirs.
 */
const WRONG_PASSWORD = "not-the-tr-password-8a2c";

describe.skipIf(!available())("Transmission (real transmission-daemon)", () => {
  let s: TestServer;
  let tr: RealTransmission;
  const secretValues = () => [tr.password, WRONG_PASSWORD];
  const creds = (password = tr.password, username = tr.username) => [
    { kind: "username" as const, value: username },
    { kind: "password" as const, value: password },
  ];
  const message = (r: unknown) => (r as { error: { message: string } }).error.message;

  beforeAll(async () => {
    [s, tr] = await Promise.all([startPatchbay(), startTransmission()]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), tr?.stop()]);
  });

  function expectNoSecret(value: unknown) {
    const text = JSON.stringify(value);
    for (const secret of secretValues()) expect(text).not.toContain(secret);
  }

  it("creates an integration with the right username and password", async () => {
    const created = await s.admin.integration.create.mutate({ name: "Transmission", kind: "transmission", url: tr.url, secrets: creds() });
    expect(created).toMatchObject({ id: expect.any(String) });
    expect("error" in created).toBe(false);
    const all = await s.admin.integration.all.query();
    expect(all.find((i: { id: string }) => i.id === (created as { id: string }).id)).toMatchObject({ kind: "transmission" });
  });

  it("testConnection answers ok with the server's real version, after the session-id dance", async () => {
    const proxy = await startRecordingProxy(tr.url);
    try {
      const r = await s.admin.integration.testConnection.mutate({ kind: "transmission", url: proxy.url, secrets: creds() });
      expect(r).toEqual({ ok: true, version: tr.version });
      // What went over the wire: a 409 handing out the session id, then the same call with that id → 200.
      const rpc = proxy.exchanges.filter((e) => e.path === "/transmission/rpc");
      expect(rpc.map((e) => e.status)).toEqual([409, 200]);
      const id = rpc[0]!.responseHeaders["x-transmission-session-id"];
      expect(id).toBeTruthy();
      expect(rpc[1]!.requestHeaders["x-transmission-session-id"]).toBe(id);
      expect(rpc[1]!.responseHeaders.server).toMatch(/Transmission/);
    } finally {
      await proxy.close();
    }
  });

  it("a wrong username is INVALID_CREDENTIALS too", async () => {
    // A wrong password, and create saving nothing with it: the contract suite (contract.test.ts), with Transmission's 401.
    const badUser = await s.admin.integration.testConnection.mutate({ kind: "transmission", url: tr.url, secrets: creds(tr.password, "nobody") });
    expect(badUser).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    expectNoSecret(badUser);
  });

  it("other download-client kinds pointed at Transmission answer UNEXPECTED_RESPONSE", async () => {
    // Transmission answers both with 401 + `WWW-Authenticate: Basic realm="Transmission"`: not a wrong password for them.
    await expectOtherKindsRefuse(s, tr.url, secretValues(), [
      { kind: "qBittorrent", secrets: creds(), names: /qBittorrent/ },
      { kind: "deluge", secrets: [{ kind: "password", value: tr.password }], names: /Deluge/ },
    ]);
  });

  it("the transmission kind pointed at a non-Transmission HTTP server (Patchbay itself) is UNEXPECTED_RESPONSE", async () => {
    const r = await s.admin.integration.testConnection.mutate({ kind: "transmission", url: s.url, secrets: creds() });
    expect(r).toMatchObject({ ok: false, error: { code: "UNEXPECTED_RESPONSE" } });
    expect(message(r)).toMatch(/Transmission/);
    expectNoSecret(r);
  });


  it("Patchbay's log never contains a secret", () => {
    const logs = s.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secretValues()) expect(logs).not.toContain(secret);
  });
});
