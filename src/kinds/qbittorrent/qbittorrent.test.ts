import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { available, startQbittorrent, type RealQbittorrent } from "./real.js";
import { expectOtherKindsRefuse } from "../testing/kind-helpers.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";

/**
 * The qBittorrent kind against the real qbittorrent-nox (Debian 4.5.2), through Patchbay's public API over
 * HTTP. Other kinds are pointed at the same server to prove they recognise it is not theirs.
 */
const WRONG_PASSWORD = "not-the-qb-password-5e1d";
const API_KEY = "qbt_apikey_0d9f3c2b7a41";

describe.skipIf(!available())("qBittorrent (real qbittorrent-nox)", () => {
  let s: TestServer;
  let qb: RealQbittorrent;
  const secretValues = () => [qb.password, WRONG_PASSWORD, API_KEY];
  const creds = () => [
    { kind: "username" as const, value: qb.username },
    { kind: "password" as const, value: qb.password },
  ];

  beforeAll(async () => {
    [s, qb] = await Promise.all([startPatchbay(), startQbittorrent()]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), qb?.stop()]);
  });

  function expectNoSecret(value: unknown) {
    const text = JSON.stringify(value);
    for (const secret of secretValues()) expect(text).not.toContain(secret);
  }

  it("creates an integration with the right username and password", async () => {
    const created = await s.admin.integration.create.mutate({ name: "qBittorrent", kind: "qBittorrent", url: qb.url, secrets: creds() });
    expect(created).toMatchObject({ id: expect.any(String) });
    expect("error" in created).toBe(false);
    const all = await s.admin.integration.all.query();
    expect(all.map((i: { id: string }) => i.id)).toContain((created as { id: string }).id);
  });

  it("testConnection answers ok with the server's real version", async () => {
    const r = await s.admin.integration.testConnection.mutate({ kind: "qBittorrent", url: qb.url, secrets: creds() });
    expect(r).toEqual({ ok: true, version: qb.version });
  });



  it("an API key against 4.5.2 is INVALID_CREDENTIALS and says API keys need 5.2", async () => {
    const r = await s.admin.integration.testConnection.mutate({ kind: "qBittorrent", url: qb.url, secrets: [{ kind: "apiKey", value: API_KEY }] });
    expect(r).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    expect((r as { error: { message: string } }).error.message).toContain("5.2");
    expectNoSecret(r);
  });

  it("other download-client kinds pointed at qBittorrent answer UNEXPECTED_RESPONSE", async () => {
    await expectOtherKindsRefuse(s, qb.url, secretValues(), [
      { kind: "transmission", secrets: creds(), names: /Transmission/ },
      { kind: "deluge", secrets: [{ kind: "password", value: qb.password }], names: /Deluge/ },
    ]);
  });


  it("the test logs out: the SID its login received is dead afterwards", async () => {
    // qBittorrent validates the Host header against its own port, so the proxy passes the original one on.
    const proxy = await startRecordingProxy(qb.url, { reverseProxyHeaders: true });
    try {
      const r = await s.admin.integration.testConnection.mutate({ kind: "qBittorrent", url: proxy.url, secrets: creds() });
      expect(r).toEqual({ ok: true, version: qb.version });

      const login = proxy.exchanges.find((e) => e.method === "POST" && e.path === "/api/v2/auth/login");
      expect(login?.responseBody).toBe("Ok.");
      const setCookie = ([] as string[]).concat(login?.responseHeaders["set-cookie"] ?? []);
      const sid = setCookie.map((c) => /^SID=([^;]+)/.exec(c)?.[1]).find(Boolean);
      expect(sid).toBeTruthy();

      const logout = proxy.exchanges.find((e) => e.path === "/api/v2/auth/logout");
      expect(logout).toMatchObject({ method: "POST", status: 200 });
      expect(logout?.requestHeaders.cookie).toContain(`SID=${sid}`);

      const version = (cookie: string) => fetch(`${qb.url}/api/v2/app/version`, { headers: { cookie } });
      // The session Patchbay opened is gone …
      const dead = await version(`SID=${sid}`);
      expect(dead.status).toBe(403);
      await dead.arrayBuffer();
      // … while a session that was not logged out still works (so the 403 above is meaningful).
      const own = await fetch(`${qb.url}/api/v2/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: qb.username, password: qb.password }).toString(),
      });
      expect(await own.text()).toBe("Ok.");
      const ownSid = own.headers.get("set-cookie")!.split(";")[0]!;
      const alive = await version(ownSid);
      expect(alive.status).toBe(200);
      expect(await alive.text()).toBe(`v${qb.version}`);
    } finally {
      await proxy.close();
    }
  });

  it("behind a proxy that rewrites the Host header: HTTP_ERROR that names qBittorrent's Host header check", async () => {
    // A plain forwarder: qBittorrent sees Host = the proxy's port, not its own, and answers 401 "Unauthorized".
    const proxy = await startRecordingProxy(qb.url);
    try {
      const r = await s.admin.integration.testConnection.mutate({ kind: "qBittorrent", url: proxy.url, secrets: creds() });
      expect(r).toMatchObject({ ok: false, error: { code: "HTTP_ERROR", details: { statusCode: 401 } } });
      expect((r as { error: { message: string } }).error.message).toMatch(/Host header/);
      expectNoSecret(r);
      const login = proxy.exchanges.find((e) => e.path === "/api/v2/auth/login");
      expect(login).toMatchObject({ status: 401, responseBody: "Unauthorized" });
    } finally {
      await proxy.close();
    }
  });

  it("Patchbay's log never contains a secret", () => {
    const logs = s.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secretValues()) expect(logs).not.toContain(secret);
  });
});
