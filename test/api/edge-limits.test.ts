import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { rawPost } from "../helpers/raw-http.js";

/**
 * Limits at the edge (src/server/limits.ts): one body limit for every content type, refused before the body
 * is buffered; trickling bodies time out; deep JSON is 400 before authentication; security headers.
 */

const CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain", "application/octet-stream", undefined];
const PATHS = ["/api/trpc/auth.logout", "/api/trpc/auth.login", "/api/integrations", "/api/mcp", "/", "/some/page"];

let s: TestServer;
let key: string;

beforeAll(async () => {
  s = await startPatchbay(); // the default limit: 1 MiB
  key = (await s.user(["integration-create"])).apiKey;
}, 60_000);

afterAll(async () => {
  await s?.close();
});

describe("request bodies: one limit for every content type, refused before buffering", () => {
  for (const contentType of CONTENT_TYPES) {
    for (const auth of ["anonymous", "authenticated"] as const) {
      it(`${contentType ?? "no content type"}, ${auth}: a declared 50 MB body is 413 at once, on every path`, async () => {
        for (const path of PATHS) {
          const r = await rawPost(s.url, path, { total: 50 * 1024 * 1024, contentType, headers: auth === "authenticated" ? { ApiKey: key } : {} });
          expect(r.status, `${path}: ${r.body}`).toBe(413);
          expect(r.headers["x-content-type-options"]).toBe("nosniff");
          // Answered long before the body was through: not buffered.
          expect(r.sent, path).toBeLessThan(16 * 1024 * 1024);
        }
      });
    }
  }

  it("a chunked JSON body (no Content-Length) is cut off at the limit with 413", async () => {
    for (const path of ["/api/trpc/auth.logout", "/api/integrations", "/api/mcp"]) {
      const r = await rawPost(s.url, path, { total: 20 * 1024 * 1024, contentType: "application/json", chunked: true, headers: { ApiKey: key } });
      expect(r.status, `${path}: ${r.body}`).toBe(413);
      expect(r.sent, path).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it("small bodies that are not JSON are 415 on every path, chunked or not", async () => {
    for (const contentType of CONTENT_TYPES.filter((t) => t !== "application/json")) {
      for (const path of PATHS) {
        for (const chunked of [false, true]) {
          const r = await rawPost(s.url, path, { total: 100, contentType, chunked });
          expect(r.status, `${contentType} ${path} chunked=${chunked}: ${r.body}`).toBe(415);
        }
      }
    }
  });

  it("JSON within the limit still works (tRPC, REST, MCP)", async () => {
    const login = await fetch(`${s.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username: "nobody", password: "wrong-password" } }) });
    expect(login.status).toBe(401);
    const rest = await fetch(`${s.url}/api/integrations/test`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8", ApiKey: key }, body: JSON.stringify({ kind: "sonarr", padding: "x".repeat(700_000) }) });
    expect(rest.status).toBe(400);
    expect((await rest.json()).message).not.toMatch(/limit/);
    const mcp = await fetch(`${s.url}/api/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ApiKey: key },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcp.status).toBe(200);
    expect(mcp.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("a body that trickles is timed out", () => {
  it("5 sockets sending 1 byte every 300 ms are closed after the request timeout", async () => {
    const slow = await startPatchbay({ requestTimeoutMs: 1_000 });
    try {
      const { port } = new URL(slow.url);
      const started = Date.now();
      const closed = await Promise.all(
        Array.from({ length: 5 }, () =>
          new Promise<{ ms: number; answer: string }>((resolve) => {
            const socket = net.connect(Number(port), "127.0.0.1");
            let answer = "";
            socket.on("data", (d) => (answer += d));
            socket.write(`POST /api/trpc/auth.login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
            const timer = setInterval(() => socket.writable && socket.write("{"), 300);
            socket.on("close", () => {
              clearInterval(timer);
              resolve({ ms: Date.now() - started, answer });
            });
            socket.on("error", () => undefined);
          }),
        ),
      );
      for (const c of closed) {
        expect(c.ms).toBeLessThan(5_000);
        expect(c.answer).toMatch(/^HTTP\/1\.1 408/);
      }
    } finally {
      await slow.close();
    }
  });
});

describe("deeply nested JSON", () => {
  const deep = "[".repeat(150_000) + "]".repeat(150_000);
  const deepObject = '{"a":'.repeat(150_000) + "1" + "}".repeat(150_000);

  it("is 400 on REST before authentication (a wrong API key does not get to 401), on tRPC and MCP too, with no internal text", async () => {
    for (const body of [deep, deepObject]) {
      const answers = await Promise.all([
        fetch(`${s.url}/api/integrations`, { method: "POST", headers: { "content-type": "application/json", ApiKey: "not-a-key" }, body }),
        fetch(`${s.url}/api/integrations/test`, { method: "POST", headers: { "content-type": "application/json" }, body }),
        fetch(`${s.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body }),
        fetch(`${s.url}/api/trpc/integration.create`, { method: "POST", headers: { "content-type": "application/json", ApiKey: key }, body }),
        fetch(`${s.url}/api/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ApiKey: key }, body }),
      ]);
      for (const res of answers) {
        const text = await res.text();
        expect(res.status, `${res.url}: ${text}`).toBe(400);
        expect(text).not.toMatch(/call stack|RangeError|at [\w.]+ \(/i);
        expect(text).toMatch(/nested deeper than/);
      }
    }
    expect(s.logs.join("")).not.toMatch(/Maximum call stack/);
  });

  it("ordinary nesting is untouched", async () => {
    const res = await fetch(`${s.url}/api/integrations/test`, {
      method: "POST",
      headers: { "content-type": "application/json", ApiKey: key },
      body: JSON.stringify({ kind: "sonarr", url: "http://127.0.0.1:9", secrets: [{ kind: "apiKey", value: "k" }] }),
    });
    expect(res.status).toBe(200);
  });
});

describe("security headers", () => {
  it("X-Content-Type-Options: nosniff on every kind of answer", async () => {
    const answers = await Promise.all([
      fetch(`${s.url}/api/health`),
      fetch(`${s.url}/api/nothing-here`),
      fetch(`${s.url}/`),
      fetch(`${s.url}/api/docs`),
      fetch(`${s.url}/api/docs/init.js`),
      fetch(`${s.url}/api/openapi.json`),
      fetch(`${s.url}/api/trpc/integration.all`),
      fetch(`${s.url}/api/integrations`),
      fetch(`${s.url}/api/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      fetch(`${s.url}/api/mcp`),
    ]);
    for (const res of answers) expect(res.headers.get("x-content-type-options"), res.url).toBe("nosniff");
  });

  it("/api/docs may not be framed; openapi.json has no wildcard CORS unless configured", async () => {
    const docs = await fetch(`${s.url}/api/docs`);
    expect(docs.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    const doc = await fetch(`${s.url}/api/openapi.json`, { headers: { origin: "http://evil.example" } });
    expect(doc.status).toBe(200);
    expect(doc.headers.get("access-control-allow-origin")).toBeNull();
    const open = await startPatchbay({ openapiCorsOrigin: "https://tools.example" });
    try {
      const res = await fetch(`${open.url}/api/openapi.json`);
      expect(res.headers.get("access-control-allow-origin")).toBe("https://tools.example");
    } finally {
      await open.close();
    }
  });
});
