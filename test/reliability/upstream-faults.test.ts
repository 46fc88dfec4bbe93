import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeServer, sendJson, type FakeServer } from "../../src/kinds/testing/server.js";
import { selfSignedCert } from "../../src/kinds/testing/tls.js";
import { makeCa, type TestCa } from "./certs.js";
import { rssOf, serverPid, sleep, startProcess, tempDir, type ServerProcess } from "./helpers.js";

/**
 * Upstream faults against a real `npm start` process (deadline PATCHBAY_TEST_TIMEOUT_MS = 1500 ms). This
 * extends test/integrations/connection-faults.test.ts (which covers: accept-and-never-answer, a closed port,
 * DNS, a 50 MB body's error code, one cross-origin 302, a self-signed certificate and its trust flow,
 * HTTPS to an HTTP port) with the faults it does not: a hang after the headers, slow drips, non-HTTP bytes,
 * concurrent 50 MB bodies with the server's memory measured, huge headers, redirect loops, redirects of a
 * login POST and of chained hops to other origins, resets mid-body, and expired / wrong-host / untrusted
 * certificates. Every verdict: the right code, within the deadline + 10 %, and no credential sent where it
 * must not go.
 */
const DEADLINE = 1500;
const BUDGET = DEADLINE * 1.1;
const KEY = "faults-key-9c41d2";
const PASSWORD = "faults-password-e7b3";

let server: ServerProcess;
let dataDir: string;
const closers: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  dataDir = tempDir("patchbay-faults-");
  server = await startProcess(dataDir, { PATCHBAY_TEST_TIMEOUT_MS: String(DEADLINE), LOG_LEVEL: "debug" });
}, 120_000);

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  if (server) {
    const out = server.proc.output();
    await server.proc.stop();
    // Whatever happened above, no credential reached the server's log.
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(PASSWORD);
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await p;
  return { value, ms: performance.now() - started };
}

const sonarrTest = (url: string) => server.client.integration.testConnection.mutate({ kind: "sonarr", url, secrets: [{ kind: "apiKey", value: KEY }] });
const qbTest = (url: string) =>
  server.client.integration.testConnection.mutate({
    kind: "qBittorrent",
    url,
    secrets: [
      { kind: "username", value: "admin" },
      { kind: "password", value: PASSWORD },
    ],
  });

/** A raw TCP server: `onConnection` decides what bytes (if any) go back. Tracks sockets to close them. */
async function tcpServer(onConnection: (sock: net.Socket, firstData: Promise<Buffer>) => void): Promise<{ url: string; port: number; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const srv = net.createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.on("close", () => sockets.delete(sock));
    const firstData = new Promise<Buffer>((r) => sock.once("data", (d: Buffer) => r(d)));
    onConnection(sock, firstData);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, port, connections: () => connections };
}

async function fake(handler: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  const srv = await startFakeServer(handler);
  closers.push(() => srv.close());
  return srv;
}

function expectError(res: { ok: boolean; error?: { code: string; message: string; details?: unknown } }, code: string) {
  expect(res.ok).toBe(false);
  expect(res.error?.code, JSON.stringify(res.error)).toBe(code);
  expect(JSON.stringify(res)).not.toContain(KEY);
  expect(JSON.stringify(res)).not.toContain(PASSWORD);
}

describe("hangs and slow drips: TIMEOUT within the deadline + 10 %", () => {
  it("headers sent, body never", async () => {
    const srv = await tcpServer((sock, first) => {
      void first.then(() => sock.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"app"));
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "TIMEOUT");
    expect(ms).toBeGreaterThanOrEqual(DEADLINE * 0.95);
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });

  it("a body that trickles one byte every 50 ms, forever", async () => {
    const srv = await tcpServer((sock, first) => {
      void first.then(() => {
        sock.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
        const t = setInterval(() => (sock.destroyed ? clearInterval(t) : sock.write("1\r\n \r\n")), 50);
        sock.on("close", () => clearInterval(t));
      });
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "TIMEOUT");
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });

  it("a status line that trickles one byte every 100 ms", async () => {
    const line = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".repeat(10);
    const srv = await tcpServer((sock, first) => {
      void first.then(() => {
        let i = 0;
        const t = setInterval(() => (sock.destroyed || i >= line.length ? clearInterval(t) : sock.write(line[i++]!)), 100);
        sock.on("close", () => clearInterval(t));
      });
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "TIMEOUT");
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });

  it("a hanging service during an in-service search: 504 with the TIMEOUT, within the budget", async () => {
    let hang = false;
    const srv = await fake((req, res) => {
      if (hang) return; // never answer
      if (req.headers["x-api-key"] !== KEY) return void res.writeHead(401).end();
      if (req.url === "/api") return sendJson(res, 200, { current: "v3", deprecated: [] });
      return sendJson(res, 200, { appName: "Sonarr", version: "4.0.14.2939" });
    });
    const created = await server.client.integration.create.mutate({ name: "Hanging Sonarr", kind: "sonarr", url: srv.url, secrets: [{ kind: "apiKey", value: KEY }] });
    if (!("id" in created)) throw new Error(JSON.stringify(created));
    hang = true;
    const started = performance.now();
    const res = await fetch(`${server.url}/api/trpc/integration.searchInIntegration?input=${encodeURIComponent(JSON.stringify({ json: { integrationId: created.id, query: "x" } }))}`, {
      headers: { ApiKey: server.apiKey },
    });
    const ms = performance.now() - started;
    const body = await res.text();
    expect(res.status).toBe(504);
    expect(body).toContain("TIMEOUT");
    expect(body).not.toContain(KEY);
    expect(ms).toBeLessThanOrEqual(BUDGET);
    await server.client.integration.delete.mutate({ id: created.id });
  });
});

describe("garbage: not HTTP at all", () => {
  for (const [what, bytes] of [
    ["random binary bytes", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
    ["an SSH banner (the SSH port by mistake)", Buffer.from("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")],
    ["a half-valid status line", Buffer.from("HTTP/1.1 two hundred OK\r\n\r\n")],
  ] as const) {
    it(`${what} → UNEXPECTED_RESPONSE, fast`, async () => {
      const srv = await tcpServer((sock, first) => {
        void first.then(() => sock.end(bytes));
      });
      const { value, ms } = await timed(sonarrTest(srv.url));
      expectError(value, "UNEXPECTED_RESPONSE");
      expect(ms).toBeLessThanOrEqual(BUDGET);
    });
  }

  it("bytes sent before any request, then silence → a verdict within the budget", async () => {
    const srv = await tcpServer((sock) => sock.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0, 1, 2, 3])));
    const { value, ms } = await timed(sonarrTest(srv.url));
    expect(value.ok).toBe(false);
    expect(["UNEXPECTED_RESPONSE", "TIMEOUT"]).toContain(!value.ok && value.error.code);
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });
});

describe("size: bodies and headers far over the cap", () => {
  it("four concurrent 50 MB bodies: UNEXPECTED_RESPONSE each, and the server's RSS barely grows", async () => {
    const pid = serverPid(server.proc);
    expect(pid, "the node process of npm start").toBeDefined();
    const chunk = Buffer.alloc(256 * 1024, "a");
    const TOTAL = 50 * 1024 * 1024;
    let bytesSent = 0;
    const srv = await fake((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(TOTAL) });
      let sent = 0;
      const pump = () => {
        while (sent < TOTAL && !res.destroyed && res.write(chunk)) (sent += chunk.length), (bytesSent += chunk.length);
        if (res.destroyed) return;
        if (sent < TOTAL) res.once("drain", pump);
        else res.end();
      };
      res.on("error", () => undefined);
      pump();
    });
    // Warm up (the first test of a kind loads code), then measure.
    await sonarrTest(srv.url);
    await sleep(300);
    const before = rssOf(pid!);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 4 }, () => sonarrTest(srv.url)));
    const ms = performance.now() - started;
    await sleep(300);
    const after = rssOf(pid!);
    for (const r of results) {
      expectError(r, "UNEXPECTED_RESPONSE");
      expect(!r.ok && r.error.message).toMatch(/larger than/);
    }
    console.log(`50 MB bodies: server RSS ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB, ${ms.toFixed(0)} ms for 4 in parallel`);
    // 4 × 50 MB were offered; the 5 MiB cap per response keeps the growth far below that.
    expect(after - before).toBeLessThan(48 * 2 ** 20);
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });

  it("a 1 MB response header → UNEXPECTED_RESPONSE, fast", async () => {
    const srv = await tcpServer((sock, first) => {
      void first.then(() => {
        sock.write("HTTP/1.1 200 OK\r\nx-junk: ");
        sock.write("a".repeat(1024 * 1024));
        sock.end("\r\n\r\n{}");
      });
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "UNEXPECTED_RESPONSE");
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });
});

describe("redirects", () => {
  it("a redirect loop (to itself, and between two paths) → UNEXPECTED_RESPONSE naming the loop, fast", async () => {
    const srv = await fake((req, res) => {
      if (req.url.startsWith("/self")) return void res.writeHead(302, { location: req.url }).end();
      res.writeHead(301, { location: req.url.startsWith("/a") ? "/b/api" : "/a/api" }).end();
    });
    for (const url of [`${srv.url}/self`, srv.url]) {
      const { value, ms } = await timed(sonarrTest(url));
      expectError(value, "UNEXPECTED_RESPONSE");
      expect(!value.ok && value.error.message).toMatch(/redirected more than/);
      expect(ms).toBeLessThanOrEqual(BUDGET);
    }
    // Bounded hops, each with the key (same origin), never an endless chain.
    expect(srv.requests.length).toBeLessThanOrEqual(2 * 8);
  });

  it("a login POST redirected with 307/308 to another origin: the password never arrives there", async () => {
    const other = await fake((_req, res) => sendJson(res, 200, {}));
    for (const status of [307, 308]) {
      const qb = await fake((req, res) => {
        if (req.url === "/api/v2/auth/login") return void res.writeHead(status, { location: `${other.url}/api/v2/auth/login` }).end();
        res.writeHead(403).end();
      });
      const { value, ms } = await timed(qbTest(qb.url));
      expectError(value, "UNEXPECTED_RESPONSE");
      expect(!value.ok && value.error.message).toContain(other.url);
      expect(ms).toBeLessThanOrEqual(BUDGET);
      expect(qb.requests.some((r) => r.body.includes(PASSWORD))).toBe(true);
    }
    expect(other.requests).toHaveLength(0);
  });

  it("a same-origin hop followed by a hop to another port of the same host: stopped at the origin change", async () => {
    const other = await fake((_req, res) => sendJson(res, 200, { appName: "Sonarr", version: "4.0.0" }));
    const srv = await fake((req, res) => {
      if (!req.url.startsWith("/hop")) return void res.writeHead(302, { location: `/hop${req.url}` }).end();
      res.writeHead(302, { location: `${other.url}${req.url.slice(4)}` }).end();
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "UNEXPECTED_RESPONSE");
    expect(ms).toBeLessThanOrEqual(BUDGET);
    expect(other.requests).toHaveLength(0);
    expect(srv.requests.every((r) => r.headers["x-api-key"] === KEY)).toBe(true);
  });

  it("a Location that carries the key (path and query) is not echoed back", async () => {
    const srv = await fake((_req, res) => void res.writeHead(302, { location: `http://evil.invalid/${KEY}/x?apikey=${KEY}` }).end());
    const { value } = await timed(sonarrTest(srv.url));
    expectError(value, "UNEXPECTED_RESPONSE");
  });
});

describe("resets", () => {
  it("reset mid-body (RST after half of a declared body) → UNEXPECTED_RESPONSE, fast", async () => {
    const srv = await tcpServer((sock, first) => {
      void first.then(() => {
        sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2000\r\n\r\n{"appName":"Sonarr","version":"4.0');
        setTimeout(() => sock.resetAndDestroy(), 50);
      });
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "UNEXPECTED_RESPONSE");
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });

  it("a FIN mid-chunked-body → UNEXPECTED_RESPONSE, fast", async () => {
    const srv = await tcpServer((sock, first) => {
      void first.then(() => sock.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n10\r\n{"appName":"Sona'));
    });
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "UNEXPECTED_RESPONSE");
    expect(ms).toBeLessThanOrEqual(BUDGET);
  });

  it("a reset on every connection before any answer → a verdict (no endless retry), fast", async () => {
    const srv = await tcpServer((sock, first) => void first.then(() => sock.resetAndDestroy()));
    const { value, ms } = await timed(sonarrTest(srv.url));
    expectError(value, "UNEXPECTED_RESPONSE");
    expect(ms).toBeLessThanOrEqual(BUDGET);
    expect(srv.connections()).toBeLessThanOrEqual(2); // one retry on a fresh socket at most
  });
});

describe("TLS: no credential crosses an untrusted connection", () => {
  let ca: TestCa;
  let caId: string;
  beforeAll(async () => {
    ca = makeCa();
    caId = (await server.client.certificate.trust.mutate({ pem: ca.cert })).id;
  });
  afterAll(async () => {
    await server.client.certificate.remove.mutate({ id: caId }).catch(() => undefined);
    ca?.dispose();
  });

  /** An HTTPS Sonarr that counts the HTTP requests that got through the handshake. */
  async function httpsSonarr(cert: { key: string; cert: string }) {
    let requests = 0;
    const srv = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      requests++;
      if (req.headers["x-api-key"] !== KEY) return void res.writeHead(401).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ appName: "Sonarr", version: "4.0.14.2939" }));
    });
    srv.on("tlsClientError", () => undefined);
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise<void>((r) => (srv.closeAllConnections(), srv.close(() => r()))));
    return { url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}`, requests: () => requests };
  }

  it("a leaf from the trusted CA, valid and for the right address, passes (the control case)", async () => {
    const srv = await httpsSonarr(ca.issue({ cn: "127.0.0.1", san: "IP:127.0.0.1" }));
    expect(await sonarrTest(srv.url)).toEqual({ ok: true, version: "4.0.14.2939" });
  });

  const cases: [string, () => { key: string; cert: string }, string][] = [
    ["expired (valid Jan 2020 only)", () => ca.issue({ cn: "127.0.0.1", san: "IP:127.0.0.1", startdate: "20200101000000Z", enddate: "20200201000000Z" }), "CERT_HAS_EXPIRED"],
    ["not valid yet (from 2099)", () => ca.issue({ cn: "127.0.0.1", san: "IP:127.0.0.1", startdate: "20990101000000Z", enddate: "20991231000000Z" }), "CERT_NOT_YET_VALID"],
    ["for another host name", () => ca.issue({ cn: "nas.lan", san: "DNS:nas.lan" }), "ERR_TLS_CERT_ALTNAME_INVALID"],
    ["self-signed and untrusted", () => selfSignedCert({ cn: "127.0.0.1", san: "IP:127.0.0.1" }), "DEPTH_ZERO_SELF_SIGNED_CERT"],
  ];
  for (const [what, make, tlsError] of cases) {
    it(`${what} → CERTIFICATE_ERROR (${tlsError}) with the certificate, fast, and no request got through`, async () => {
      const srv = await httpsSonarr(make());
      const { value, ms } = await timed(sonarrTest(srv.url));
      expectError(value, "CERTIFICATE_ERROR");
      expect(!value.ok && value.error.details).toMatchObject({ tlsError });
      expect(!value.ok && value.error.certificate?.pem).toContain("BEGIN CERTIFICATE");
      expect(ms).toBeLessThanOrEqual(BUDGET);
      expect(srv.requests()).toBe(0);
    });
  }
});
