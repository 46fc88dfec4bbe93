import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { available, startDeluge, type RealDeluge } from "./real.js";
import { closedPort } from "../testing/real-daemon.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";

/**
 * The deluge kind against the real Deluge 2.0.3 (Debian's deluged + deluge-web), through Patchbay's public
 * API over HTTP. The web UI starts detached from the daemon, as after a fresh install.
 */
const WRONG_PASSWORD = "not-the-dl-password-3f7b";

/** Our own JSON-RPC client for looking at the server from outside Patchbay. */
async function deluge(url: string, method: string, params: unknown[] = [], cookie?: string) {
  const res = await fetch(`${url}/json`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ method, params, id: 1 }),
  });
  const body = (await res.json()) as { result: unknown; error: { message: string; code: number } | null };
  return { body, cookie: res.headers.get("set-cookie")?.split(";")[0] };
}

describe.skipIf(!available())("Deluge (real deluged + deluge-web)", () => {
  let s: TestServer;
  let dl: RealDeluge;
  const secretValues = () => [dl.password, WRONG_PASSWORD];
  const creds = (password = dl.password) => [{ kind: "password" as const, value: password }];
  const message = (r: unknown) => (r as { error: { message: string } }).error.message;

  beforeAll(async () => {
    [s, dl] = await Promise.all([startPatchbay(), startDeluge()]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), dl?.stop()]);
  });

  function expectNoSecret(value: unknown) {
    const text = JSON.stringify(value);
    for (const secret of secretValues()) expect(text).not.toContain(secret);
  }

  it("testConnection connects the detached web UI to the daemon, answers the daemon's real version and deletes its session", async () => {
    const mine = await deluge(dl.url, "auth.login", [dl.password]);
    expect(mine.body.result).toBe(true);
    expect((await deluge(dl.url, "web.connected", [], mine.cookie)).body.result).toBe(false);

    const proxy = await startRecordingProxy(dl.url);
    try {
      const r = await s.admin.integration.testConnection.mutate({ kind: "deluge", url: proxy.url, secrets: creds() });
      expect(r).toEqual({ ok: true, version: dl.version });

      const methods = proxy.exchanges.map((e) => (JSON.parse(e.requestBody) as { method: string }).method);
      expect(methods[0]).toBe("auth.login");
      expect(methods).toContain("web.connect");
      expect(methods).toContain("daemon.get_version");
      expect(methods.at(-1)).toBe("auth.delete_session");
      // Every request carried exactly "application/json" (Deluge 2.0 rejects anything else).
      for (const e of proxy.exchanges) expect(e.requestHeaders["content-type"]).toBe("application/json");

      const login = proxy.exchanges[0]!;
      const sessionCookie = ([] as string[]).concat(login.responseHeaders["set-cookie"] ?? []).map((c) => c.split(";")[0]!).find((c) => c.startsWith("_session_id="));
      expect(sessionCookie).toBeTruthy();
      // The session Patchbay opened is gone …
      const dead = await deluge(dl.url, "web.connected", [], sessionCookie);
      expect(dead.body.error).toMatchObject({ code: 1, message: "Not authenticated" });
      // … while ours, never deleted, still works; and the web UI is now attached to the daemon.
      const alive = await deluge(dl.url, "web.connected", [], mine.cookie);
      expect(alive.body).toMatchObject({ result: true, error: null });
    } finally {
      await proxy.close();
    }
  });

  it("creates an integration with the right password", async () => {
    const created = await s.admin.integration.create.mutate({ name: "Deluge", kind: "deluge", url: dl.url, secrets: creds() });
    expect(created).toMatchObject({ id: expect.any(String) });
    expect("error" in created).toBe(false);
    const all = await s.admin.integration.all.query();
    expect(all.find((i: { id: string }) => i.id === (created as { id: string }).id)).toMatchObject({ kind: "deluge" });
  });

  it("a wrong password is INVALID_CREDENTIALS (Deluge answers HTTP 200 result:false) and nothing is saved", async () => {
    const before = (await s.admin.integration.all.query()).length;
    const r = await s.admin.integration.testConnection.mutate({ kind: "deluge", url: dl.url, secrets: creds(WRONG_PASSWORD) });
    expect(r).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    expect(message(r)).toMatch(/Deluge/);
    expectNoSecret(r);

    const created = await s.admin.integration.create.mutate({ name: "dl wrong", kind: "deluge", url: dl.url, secrets: creds(WRONG_PASSWORD) });
    expect(created).toMatchObject({ error: { code: "INVALID_CREDENTIALS" } });
    expectNoSecret(created);
    expect((await s.admin.integration.all.query()).length).toBe(before);
  });

  it("other download-client kinds pointed at Deluge answer UNEXPECTED_RESPONSE", async () => {
    const secrets = [
      { kind: "username" as const, value: "admin" },
      { kind: "password" as const, value: dl.password },
    ];
    const qb = await s.admin.integration.testConnection.mutate({ kind: "qBittorrent", url: dl.url, secrets });
    expect(qb).toMatchObject({ ok: false, error: { code: "UNEXPECTED_RESPONSE" } });
    expect(message(qb)).toMatch(/qBittorrent/);
    expectNoSecret(qb);

    const tr = await s.admin.integration.testConnection.mutate({ kind: "transmission", url: dl.url, secrets });
    expect(tr).toMatchObject({ ok: false, error: { code: "UNEXPECTED_RESPONSE" } });
    expect(message(tr)).toMatch(/Transmission/);
    expectNoSecret(tr);
  });

  it("the deluge kind pointed at a non-Deluge HTTP server (Patchbay itself) is UNEXPECTED_RESPONSE", async () => {
    const r = await s.admin.integration.testConnection.mutate({ kind: "deluge", url: s.url, secrets: creds() });
    expect(r).toMatchObject({ ok: false, error: { code: "UNEXPECTED_RESPONSE" } });
    expect(message(r)).toMatch(/Deluge/);
    expectNoSecret(r);
  });

  it("a closed port is CONNECTION_REFUSED", async () => {
    const port = await closedPort();
    const r = await s.admin.integration.testConnection.mutate({ kind: "deluge", url: `http://127.0.0.1:${port}`, secrets: creds() });
    expect(r).toMatchObject({ ok: false, error: { code: "CONNECTION_REFUSED" } });
    expectNoSecret(r);
  });

  describe("web UI without a running daemon", () => {
    let lonely: RealDeluge;
    beforeAll(async () => {
      lonely = await startDeluge({ withDaemon: false });
    });
    afterAll(async () => {
      await lonely?.stop();
    });

    it("answers UNEXPECTED_RESPONSE telling to connect it in the Connection Manager", async () => {
      const r = await s.admin.integration.testConnection.mutate({ kind: "deluge", url: lonely.url, secrets: [{ kind: "password", value: lonely.password }] });
      expect(r).toMatchObject({ ok: false, error: { code: "UNEXPECTED_RESPONSE" } });
      expect(message(r)).toContain("Deluge web UI is up but not connected to a Deluge daemon; connect it in the Connection Manager");
      expect(JSON.stringify(r)).not.toContain(lonely.password);
    });
  });

  it("Patchbay's log never contains a secret", () => {
    const logs = s.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secretValues()) expect(logs).not.toContain(secret);
  });
});
