import net from "node:net";
import { closedPort } from "../../src/testing/net.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeServer, sendJson, type FakeServer } from "../../src/kinds/testing/server.js";
import { selfSignedCert, startHttpsSonarr } from "../../src/kinds/testing/tls.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";

/** Connection-test faults against local servers (contract §6), through the public API. */
const DEADLINE = 1500;
const KEY = "fault-key-canary-7f3a";
let s: TestServer;

beforeAll(async () => {
  s = await startPatchbay({ testTimeoutMs: DEADLINE });
});
afterAll(() => s?.close());

const test = (url: string, value = KEY) => s.admin.integration.testConnection.mutate({ kind: "sonarr", url, secrets: [{ kind: "apiKey", value }] });


describe("transport failures", () => {
  it("a closed port is CONNECTION_REFUSED", async () => {
    const res = await test(`http://127.0.0.1:${await closedPort()}`);
    expect(!res.ok && res.error.code).toBe("CONNECTION_REFUSED");
    expect(!res.ok && res.error.message).toMatch(/Nothing is listening/);
  });

  it("a server that accepts and never answers is TIMEOUT within the deadline + 10 %", async () => {
    const sockets: net.Socket[] = [];
    const hang = net.createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const port = (hang.address() as net.AddressInfo).port;
    try {
      const started = performance.now();
      const res = await test(`http://127.0.0.1:${port}`);
      const elapsed = performance.now() - started;
      expect(!res.ok && res.error.code).toBe("TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE * 0.95);
      expect(elapsed).toBeLessThanOrEqual(DEADLINE * 1.1);
    } finally {
      for (const sock of sockets) sock.destroy();
      hang.close();
    }
  });

  it("an unknown host is DNS_ERROR", async () => {
    const res = await test("http://patchbay-does-not-exist.invalid:8989");
    expect(!res.ok && res.error.code).toBe("DNS_ERROR");
    expect(!res.ok && res.error.message).toContain("patchbay-does-not-exist.invalid");
  });

  it("an endless body is cut at the size cap: UNEXPECTED_RESPONSE, quickly", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const srv = await startFakeServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      let sent = 0;
      const pump = () => {
        while (sent < 50 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 50 * 1024 * 1024) res.once("drain", pump);
        else res.end();
      };
      res.on("error", () => undefined);
      pump();
    });
    try {
      const res = await test(srv.url);
      expect(!res.ok && res.error.code).toBe("UNEXPECTED_RESPONSE");
      expect(!res.ok && res.error.message).toMatch(/larger than/);
    } finally {
      await srv.close();
    }
  });

  it("a non-2xx answer that is not an auth failure is HTTP_ERROR with the status code", async () => {
    const srv = await startFakeServer((_req, res) => sendJson(res, 503, { message: "down for maintenance" }));
    try {
      const res = await test(srv.url);
      expect(!res.ok && res.error.code).toBe("HTTP_ERROR");
      expect(!res.ok && res.error.details).toMatchObject({ statusCode: 503 });
    } finally {
      await srv.close();
    }
  });
});

describe("TLS", () => {
  it("a self-signed certificate is CERTIFICATE_ERROR with its details; once trusted, the test passes", async () => {
    const cert = selfSignedCert({ cn: "sonarr.lan", san: "DNS:sonarr.lan" });
    const https = await startHttpsSonarr(cert, KEY);
    try {
      const res = await test(https.url);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error.code).toBe("CERTIFICATE_ERROR");
      expect(res.error.certificate).toMatchObject({
        subject: "CN=sonarr.lan",
        issuer: "CN=sonarr.lan",
        selfSigned: true,
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        pem: expect.stringContaining("BEGIN CERTIFICATE"),
      });
      expect(new Date(res.error.certificate!.validTo).getTime()).toBeGreaterThan(Date.now());
      // Non-admins cannot trust certificates.
      const user = await s.user(["integration-create"]);
      await expect(user.client.certificate.trust.mutate({ pem: res.error.certificate!.pem })).rejects.toThrow(/admin/);
      const first = await s.admin.certificate.trust.mutate({ pem: res.error.certificate!.pem });
      const second = await s.admin.certificate.trust.mutate({ pem: res.error.certificate!.pem });
      expect(second.id).toBe(first.id);
      expect((await s.admin.certificate.all.query()).filter((c) => c.fingerprint256 === first.fingerprint256)).toHaveLength(1);
      // Reached by IP although the certificate names sonarr.lan: the trusted fingerprint vouches for it.
      expect(await test(https.url)).toEqual({ ok: true, version: "4.0.14.2939" });
      await s.admin.certificate.remove.mutate({ id: first.id });
      const again = await test(https.url);
      expect(!again.ok && again.error.code).toBe("CERTIFICATE_ERROR");
    } finally {
      await https.close();
    }
  });

  it("HTTPS to a plain HTTP port says so", async () => {
    const srv = await startFakeServer((_req, res) => sendJson(res, 200, {}));
    try {
      const res = await test(srv.url.replace("http:", "https:"));
      expect(!res.ok && res.error.code).toBe("UNEXPECTED_RESPONSE");
      expect(!res.ok && res.error.message).toMatch(/does not speak HTTPS/);
    } finally {
      await srv.close();
    }
  });
});

describe("redirects", () => {
  let other: FakeServer;
  let redirecting: FakeServer;
  beforeAll(async () => {
    other = await startFakeServer((_req, res) => sendJson(res, 200, { appName: "Sonarr", version: "4.0.0" }));
    redirecting = await startFakeServer((req, res) => {
      if (req.url.startsWith("/moved")) {
        if (req.headers["x-api-key"] !== KEY) return void res.writeHead(401).end();
        return sendJson(res, 200, { appName: "Sonarr", version: "4.1.0" });
      }
      if (req.url.startsWith("/same")) return void res.writeHead(301, { location: "/moved/api/v3/system/status" }).end();
      res.writeHead(302, { location: `${other.url}/steal?from=redirect` }).end();
    });
  });
  afterAll(async () => {
    await Promise.all([other?.close(), redirecting?.close()]);
  });

  it("a redirect to another origin is not followed, so the credentials never reach it", async () => {
    const res = await test(redirecting.url);
    expect(!res.ok && res.error.code).toBe("UNEXPECTED_RESPONSE");
    expect(!res.ok && res.error.message).toContain(other.url);
    expect(!res.ok && JSON.stringify(res.error)).not.toContain("from=redirect");
    expect(other.requests).toHaveLength(0);
    expect(redirecting.requests.at(-1)!.headers["x-api-key"]).toBe(KEY);
  });

  it("a redirect within the same origin is followed with the credentials", async () => {
    const res = await test(`${redirecting.url}/same`);
    expect(res).toEqual({ ok: true, version: "4.1.0" });
  });

  it("no error message contains the secret", async () => {
    for (const url of [redirecting.url, `http://127.0.0.1:${await closedPort()}`, "http://x.invalid"]) {
      const res = await test(url);
      expect(JSON.stringify(res)).not.toContain(KEY);
    }
  });
});
