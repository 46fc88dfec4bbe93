import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawPost } from "../helpers/raw-http.js";
import { rssOf, serverPid, sleep, startProcess, tempDir, type ServerProcess } from "./helpers.js";

/**
 * Abuse limits against a real `npm start` process (issue #10, points 5 and 6), measured from outside:
 * - the body-size matrix: each content type × anonymous/authenticated × tRPC/REST/MCP/static paths, declared
 *   and chunked 150 MB bodies → 413/415, with the server's RSS sampled throughout (bounded, not +200 MB);
 * - four parallel 150 MB bodies (the issue saw RSS 886 MB);
 * - trickling bodies are cut at PATCHBAY_REQUEST_TIMEOUT_MS;
 * - the login attack: concurrent, batched and with a new X-Forwarded-For per attempt (TRUST_PROXY=true);
 *   the number of passwords that got evaluated is printed and must be ≤ 10.
 */
const MB = 1024 * 1024;
const CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain", "application/octet-stream", undefined];
const PATHS = { tRPC: "/api/trpc/auth.logout", REST: "/api/integrations", MCP: "/api/mcp", static: "/" };

let server: ServerProcess;
let dataDir: string;
let pid: number;
let victim = { username: "victim-user", password: "Victim-password-unguessable-42" };

beforeAll(async () => {
  dataDir = tempDir("patchbay-abuse-");
  server = await startProcess(dataDir, { PATCHBAY_REQUEST_TIMEOUT_MS: "2000", TRUST_PROXY: "true" });
  pid = serverPid(server.proc)!;
  expect(pid).toBeGreaterThan(0);
  await server.client.user.create.mutate(victim);
}, 180_000);

afterAll(async () => {
  await server?.proc.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `work` while sampling the server's RSS every 20 ms; answers the peak growth over the baseline. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; baseline: number; peak: number }> {
  const baseline = rssOf(pid);
  let peak = baseline;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, rssOf(pid));
      await sleep(20);
    }
  })();
  try {
    return { result: await work(), baseline, peak };
  } finally {
    running = false;
    await sampler;
  }
}

describe("body-size matrix", () => {
  it("each content type × anonymous/authenticated × tRPC/REST/MCP/static: 150 MB is refused before buffering, RSS stays bounded", async () => {
    const rows: string[] = [];
    const { baseline, peak } = await peakGrowth(async () => {
      for (const contentType of CONTENT_TYPES) {
        for (const auth of ["anonymous", "authenticated"]) {
          for (const [surface, path] of Object.entries(PATHS)) {
            for (const chunked of [false, true]) {
              const row = `${(contentType ?? "(none)").padEnd(34)} ${auth.padEnd(13)} ${surface.padEnd(6)} ${chunked ? "chunked " : "declared"}`;
              const r = await rawPost(server.url, path, { total: 150 * MB, contentType, chunked, headers: auth === "authenticated" ? { ApiKey: server.apiKey } : {} }).catch((e: Error) => {
                throw new Error(`${row}: ${e.message}`);
              });
              // Declared too large: 413 whatever the type. Chunked: JSON is counted and cut (413), anything else is 415 at once.
              const expected = !chunked ? 413 : contentType === "application/json" ? 413 : 415;
              rows.push(`${row} → ${r.status} after ${(r.sent / MB).toFixed(1)} MB sent`);
              expect(r.status, rows.at(-1)).toBe(expected);
              expect(r.sent, rows.at(-1)).toBeLessThan(32 * MB);
            }
          }
        }
      }
    });
    console.log(`[body matrix]\n${rows.join("\n")}\nRSS baseline ${(baseline / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB (+${((peak - baseline) / MB).toFixed(0)} MB)`);
    expect(peak - baseline).toBeLessThan(64 * MB);
  });

  it("four parallel 150 MB bodies (anonymous, chunked JSON and declared multipart) keep RSS bounded", async () => {
    const { result, baseline, peak } = await peakGrowth(() =>
      Promise.all([
        rawPost(server.url, PATHS.tRPC, { total: 150 * MB, contentType: "application/json", chunked: true }),
        rawPost(server.url, PATHS.REST, { total: 150 * MB, contentType: "application/json", chunked: true }),
        rawPost(server.url, PATHS.MCP, { total: 150 * MB, contentType: "multipart/form-data; boundary=x" }),
        rawPost(server.url, PATHS.tRPC, { total: 150 * MB, contentType: "multipart/form-data; boundary=x", chunked: true }),
      ]),
    );
    console.log(`[4 parallel 150 MB bodies] statuses ${result.map((r) => r.status).join(", ")}; RSS baseline ${(baseline / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB`);
    expect(result.map((r) => r.status)).toEqual([413, 413, 413, 415]);
    expect(peak - baseline).toBeLessThan(64 * MB);
  });

  it("5 sockets sending 1 byte every 500 ms are ended with 408 after PATCHBAY_REQUEST_TIMEOUT_MS (2 s)", async () => {
    const { port } = new URL(server.url);
    const started = Date.now();
    const ends = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<{ ms: number; answer: string }>((resolve) => {
            const socket = net.connect(Number(port), "127.0.0.1");
            let answer = "";
            socket.on("data", (d) => (answer += d));
            socket.on("error", () => undefined);
            socket.write("POST /api/trpc/auth.login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
            const timer = setInterval(() => socket.writable && socket.write("["), 500);
            socket.on("close", () => {
              clearInterval(timer);
              resolve({ ms: Date.now() - started, answer });
            });
          }),
      ),
    );
    console.log(`[trickle] sockets closed after ${ends.map((e) => e.ms).join(", ")} ms`);
    for (const e of ends) {
      expect(e.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(e.ms).toBeLessThan(6_000);
    }
  });
});

describe("login attack", () => {
  async function attempt(password: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ json: { username: victim.username, password } }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  it("concurrent, batched and with rotating X-Forwarded-For: at most 10 passwords evaluated in total", async () => {
    const statuses: number[] = [];
    // 1. 40 concurrent wrong logins plus the right one, each from another claimed address.
    const concurrent = Array.from({ length: 40 }, (_, i) => attempt(`wrong-${i}`, { "x-forwarded-for": `198.51.100.${i + 1}` }));
    concurrent.splice(17, 0, attempt(victim.password, { "x-forwarded-for": "198.51.100.200" }));
    statuses.push(...(await Promise.all(concurrent)));
    // 2. A batch of 450 logins is refused as a whole; a batch of the maximum size counts every login in it.
    const batch = async (n: number) => {
      const body = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: { username: victim.username, password: `batch-${i}` } }]));
      const res = await fetch(`${server.url}/api/trpc/${Array(n).fill("auth.login").join(",")}?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.7" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, items: res.status === 200 || res.status === 401 || res.status === 429 || res.status === 207 ? (JSON.parse(text) as { error?: { json: { data: { httpStatus: number } } } }[]) : [] };
    };
    const huge = await batch(450);
    expect(huge.status).toBe(400);
    const full = await batch(50);
    statuses.push(...full.items.map((r) => (r.error ? r.error.json.data.httpStatus : 200)));
    // 3. One at a time from ever new addresses.
    for (let i = 0; i < 30; i++) statuses.push(await attempt(`rotating-${i}`, { "x-forwarded-for": `192.0.2.${i + 1}` }));

    const evaluated = statuses.filter((s) => s === 401 || s === 200).length;
    const wrong = statuses.filter((s) => s === 401).length;
    console.log(`[login attack] ${statuses.length} attempts (+1 batch of 450 refused with 400): ${evaluated} passwords evaluated (${wrong} wrong, ${evaluated - wrong} right), ${statuses.filter((s) => s === 429).length} refused with 429`);
    expect(statuses.every((s) => [200, 401, 429].includes(s))).toBe(true);
    expect(wrong).toBeLessThanOrEqual(10);
    expect(evaluated).toBeLessThanOrEqual(10 + 1); // the right password may be among those evaluated
  });
});
