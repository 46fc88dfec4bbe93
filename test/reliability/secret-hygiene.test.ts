import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/process.js";
import { startFakeServer, sendJson, type FakeServer } from "../../src/kinds/testing/server.js";
import { startFakeQbittorrent, startProcess, tempDir, type ServerProcess } from "./helpers.js";

/**
 * Secret hygiene, end to end. test/api/canary.test.ts proves it for the tRPC API of an in-process server;
 * this runs a real `npm start` process (its real stdout/stderr at LOG_LEVEL=debug) and adds the REST API,
 * the MCP endpoint, upstreams that echo the credential back (in an error body, a header, a redirect
 * Location), the CLI (`patchbay test`, `patchbay export` and its file) and the SQLite files. No canary may
 * appear anywhere, in plain text, URL-encoded, base64 or hex.
 */
const CANARY_KEY = "CANARY-hyg-apikey-4b1d9e";
const CANARY_PW = "CANARY-hyg-password-8f02aa";
const CANARY_WRONG = "CANARY-hyg-wrong-13c7f5";
const CANARY_ROTATED = "CANARY-hyg-rotated-6e2d90";
const canaries = [CANARY_KEY, CANARY_PW, CANARY_WRONG, CANARY_ROTATED];
const forms = (c: string) => [c, encodeURIComponent(c), Buffer.from(c).toString("base64"), Buffer.from(c).toString("hex"), c.toLowerCase()];

let server: ServerProcess;
let dataDir: string;
let sonarr: FakeServer;
let echo: FakeServer;
let qb: FakeServer;
/** Everything that came out of Patchbay, labelled. */
const outputs: { where: string; text: string }[] = [];

beforeAll(async () => {
  dataDir = tempDir("patchbay-hygiene-");
  [server, qb] = await Promise.all([startProcess(dataDir, { PATCHBAY_TEST_TIMEOUT_MS: "2000", LOG_LEVEL: "debug" }), startFakeQbittorrent("canary-user", CANARY_PW)]);
  const valid = new Set([CANARY_KEY, CANARY_ROTATED]);
  sonarr = await startFakeServer((req, res) => {
    const key = String(req.headers["x-api-key"] ?? "");
    if (!valid.has(key)) return void res.writeHead(401).end();
    if (req.url === "/api") return sendJson(res, 200, { current: "v3", deprecated: [] });
    if (req.url.startsWith("/api/v3/series/lookup")) return sendJson(res, 200, [{ title: "The Expanse", year: 2015, tvdbId: 1, titleSlug: "the-expanse", images: [] }]);
    return sendJson(res, 200, { appName: "Sonarr", version: "4.0.14.2939" });
  });
  // A hostile or buggy upstream that sends the credential it received back in every way it can.
  echo = await startFakeServer((req, res) => {
    const key = String(req.headers["x-api-key"] ?? req.headers.authorization ?? "");
    if (req.url.startsWith("/redirect")) return void res.writeHead(302, { location: `http://elsewhere.invalid/${key}/login?apikey=${key}` }).end();
    if (req.url.startsWith("/unauthorized")) return void res.writeHead(401, { "www-authenticate": `Bearer realm="${key}"` }).end(`bad key ${key}`);
    sendJson(res, 500, { message: `Internal error for key ${key}`, key, stack: `at check(${key})` }, { "x-echo": key });
  });
}, 120_000);

afterAll(async () => {
  await server?.proc.stop();
  await Promise.all([sonarr?.close(), echo?.close(), qb?.close()]);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function http(where: string, url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, headers: { ApiKey: server.apiKey, ...(init.headers as Record<string, string>) } });
  const body = await res.text();
  outputs.push({ where, text: `${res.status} ${JSON.stringify([...res.headers])} ${body}` });
  return { status: res.status, body };
}

const trpc = (procedure: string, input: unknown, type: "query" | "mutation") =>
  type === "query"
    ? http(`trpc ${procedure}`, `${server.url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`)
    : http(`trpc ${procedure}`, `${server.url}/api/trpc/${procedure}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: input }) });

async function mcp(tool: string, args: unknown) {
  return http(`mcp ${tool}`, `${server.url}/api/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool, arguments: args } }),
  });
}

const run = promisify(execFile);
async function cli(args: string[]) {
  try {
    const r = await run(process.execPath, [path.join(ROOT, "bin/patchbay.mjs"), ...args], {
      cwd: ROOT,
      env: { ...process.env, PATCHBAY_DATA_DIR: dataDir, DATABASE_URL: "", SECRET_ENCRYPTION_KEY: "", SECRET_ENCRYPTION_KEY_FILE: "", PATCHBAY_CLI_LOG_LEVEL: "debug" },
      timeout: 60_000,
    });
    outputs.push({ where: `cli ${args[0]}`, text: r.stdout + r.stderr });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    outputs.push({ where: `cli ${args[0]}`, text: `${err.stdout ?? ""}${err.stderr ?? ""}` });
    return { code: err.code ?? 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

describe("secret hygiene", () => {
  it("canaries never leave Patchbay: responses (tRPC, REST, MCP), errors, logs, CLI output, the export file, the database", async () => {
    const sonarrSecrets = [{ kind: "apiKey", value: CANARY_KEY }];
    const created = await trpc("integration.create", { name: "Hygiene Sonarr", kind: "sonarr", url: sonarr.url, secrets: sonarrSecrets, attemptSearchEngineCreation: true }, "mutation");
    const sonarrId = JSON.parse(created.body).result.data.json.id as string;
    expect(sonarrId).toBeTruthy();
    const qbRes = await trpc(
      "integration.create",
      { name: "Hygiene qB", kind: "qBittorrent", url: qb.url, secrets: [{ kind: "username", value: "canary-user" }, { kind: "password", value: CANARY_PW }] },
      "mutation",
    );
    expect(qbRes.status).toBe(200);

    // Upstreams that echo the credential: connection tests and searches fail, their errors must be clean.
    for (const p of ["", "/redirect", "/unauthorized"]) {
      await trpc("integration.testConnection", { kind: "sonarr", url: echo.url + p, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }, "mutation");
      await trpc("integration.testConnection", { kind: "qBittorrent", url: echo.url + p, secrets: [{ kind: "username", value: "u" }, { kind: "password", value: CANARY_WRONG }] }, "mutation");
      await trpc("integration.create", { name: "echo", kind: "sonarr", url: echo.url + p, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }, "mutation");
    }
    // Stored secrets sent to an echoing upstream: testConnection by id with another URL, update to it.
    await trpc("integration.testConnection", { id: sonarrId, url: echo.url }, "mutation");
    await trpc("integration.testConnection", { id: sonarrId, url: `${echo.url}/redirect` }, "mutation");
    await trpc("integration.update", { id: sonarrId, name: "x", url: echo.url, secrets: [{ kind: "apiKey", value: null }] }, "mutation");
    // Bad input carrying canaries.
    await trpc("integration.create", { name: "bad", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }, { kind: "apiKey", value: CANARY_WRONG }] }, "mutation");
    await trpc("integration.create", { name: "bad", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "token", value: CANARY_WRONG }] }, "mutation");
    await trpc("integration.create", { name: "bad", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG + "x".repeat(5000) }] }, "mutation");
    await trpc("integration.testConnection", { kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }], extra: CANARY_WRONG }, "mutation");

    // Every read, over tRPC, REST and MCP.
    for (const [p, input] of [
      ["integration.all", undefined],
      ["integration.byId", { id: sonarrId }],
      ["integration.search", { query: "hygiene" }],
      ["integration.getIntegrationPermissions", { id: sonarrId }],
      ["integration.searchInIntegration", { integrationId: sonarrId, query: "expanse" }],
      ["searchEngine.all", undefined],
      ["integration.allThatSupportSearch", undefined],
    ] as const) {
      await trpc(p, input, "query");
    }
    await http("rest list", `${server.url}/api/integrations`);
    await http("rest byId", `${server.url}/api/integrations/${sonarrId}`);
    await http("rest test", `${server.url}/api/integrations/test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "sonarr", url: echo.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }),
    });
    await http("rest test by id", `${server.url}/api/integrations/test`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: sonarrId, url: echo.url }) });
    await mcp("all", {});
    await mcp("byId", { id: sonarrId });
    await mcp("testConnection", { id: sonarrId });
    await mcp("testConnection", { kind: "sonarr", url: echo.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] });
    await mcp("searchInIntegration", { integrationId: sonarrId, query: "expanse" });

    // A rotation, then a search that fails upstream (the echoing server stands in for a broken Sonarr).
    await trpc("integration.update", { id: sonarrId, name: "Hygiene Sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_ROTATED }] }, "mutation");
    await sonarr.close();
    await trpc("integration.searchInIntegration", { integrationId: sonarrId, query: "gone" }, "query");
    await http("rest search failing", `${server.url}/api/integrations/${sonarrId}/search?query=gone`);
    await mcp("searchInIntegration", { integrationId: sonarrId, query: "gone" });

    // The CLI: a connection test of the stored integration (it fails now), and an export.
    await cli(["test", "Hygiene Sonarr"]);
    await cli(["test", "Hygiene qB", "--json"]);
    const exportFile = path.join(dataDir, "export.json");
    const passFile = path.join(dataDir, "passphrase");
    fs.writeFileSync(passFile, "a long export passphrase\n", { mode: 0o600 });
    const exported = await cli(["export", "--out", exportFile, "--passphrase-file", passFile]);
    expect(exported.code, exported.out).toBe(0);
    const exportText = fs.readFileSync(exportFile, "utf8");
    expect(exportText).toContain("Hygiene qB");
    outputs.push({ where: "export file", text: exportText });

    // Sanity: the collected texts are real (the names are plaintext, the failures were logged).
    expect(outputs.length).toBeGreaterThan(35);
    const logs = server.proc.output();
    expect(logs).toContain("connection test failed");
    outputs.push({ where: "server log", text: logs });
    const dbFiles = fs.readdirSync(dataDir).filter((f) => f.startsWith("patchbay.db"));
    expect(dbFiles).toContain("patchbay.db");
    const db = dbFiles.map((f) => fs.readFileSync(path.join(dataDir, f)).toString("latin1")).join("\n");
    expect(db).toContain("Hygiene qB");
    outputs.push({ where: "database files", text: db });

    // The echoing upstream really received the canaries it could have sent back (stored ones included).
    expect(echo.requests.some((r) => r.headers["x-api-key"] === CANARY_WRONG)).toBe(true);
    expect(echo.requests.some((r) => r.headers["x-api-key"] === CANARY_KEY)).toBe(true);
    expect(echo.requests.some((r) => r.body.includes(CANARY_WRONG))).toBe(true);
    const mcpAnswers = outputs.filter((o) => o.where.startsWith("mcp"));
    expect(mcpAnswers.every((o) => o.text.startsWith("200 "))).toBe(true);
    console.log(`hygiene: ${outputs.length} outputs checked (${outputs.map((o) => o.where).filter((w, i, a) => a.indexOf(w) === i).join(", ")})`);

    const leaks: string[] = [];
    for (const { where, text } of outputs) {
      for (const c of canaries) for (const f of forms(c)) if (text.includes(f)) leaks.push(`${where}: ${f === c ? "" : "encoded "}${c} in …${text.slice(Math.max(0, text.indexOf(f) - 120), text.indexOf(f) + 60)}…`);
    }
    expect(leaks).toEqual([]);
  }, 180_000);
});
