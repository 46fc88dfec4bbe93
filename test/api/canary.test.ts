import fs from "node:fs";
import path from "node:path";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/api/root.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * Secret hygiene: unique canary secrets go in, every procedure runs (failing connection tests included),
 * and no canary comes back out — not in a response, a log line, an error, or the SQLite files as plaintext.
 */
const CANARY_KEY = "CANARY-apikey-5d1e7f0a9b";
const CANARY_WRONG = "CANARY-wrongkey-77aa21c3";
const CANARY_PASSWORD = "CANARY-password-c0ffee42";
const CANARY_NEW = "CANARY-rotated-key-31337";
const canaries = [CANARY_KEY, CANARY_WRONG, CANARY_PASSWORD, CANARY_NEW];

let s: TestServer;
let sonarr: ArrEmulator;
let qb: FakeServer;
const responses: string[] = [];

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: CANARY_KEY })]);
  // A minimal qBittorrent login endpoint: enough to carry a username + password canary through a test.
  qb = await startFakeServer((req, res) => {
    if (req.url === "/api/v2/auth/login") {
      const ok = new URLSearchParams(req.body).get("password") === CANARY_PASSWORD;
      res.writeHead(200, ok ? { "set-cookie": "SID=abc; HttpOnly; path=/" } : {});
      return void res.end(ok ? "Ok." : "Fails.");
    }
    if (req.url === "/api/v2/app/version") return void res.writeHead(req.headers.cookie?.includes("SID=abc") ? 200 : 403).end("v4.6.0");
    res.writeHead(200).end("Ok.");
  });
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close(), qb?.close()]);
});

function recordingClient(apiKey: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${s.url}/api/trpc`,
        transformer: superjson,
        headers: { ApiKey: apiKey },
        fetch: async (url, init) => {
          const res = await fetch(url, init as RequestInit);
          const text = await res.clone().text();
          responses.push(text);
          return res;
        },
      }),
    ],
  });
}

describe("canary secrets", () => {
  it("never leave Patchbay", async () => {
    const key = (await s.admin.auth.createApiKey.mutate({ name: "canary" })).token;
    const c = recordingClient(key);
    const errors: string[] = [];
    const attempt = async (p: Promise<unknown>) => {
      try {
        return await p;
      } catch (e) {
        errors.push(String(e), JSON.stringify(e));
      }
    };

    const created = (await c.integration.create.mutate({
      name: "Canary Sonarr",
      kind: "sonarr",
      url: sonarr.url,
      secrets: [{ kind: "apiKey", value: CANARY_KEY }],
      attemptSearchEngineCreation: true,
    })) as { id: string };
    const qbCreated = (await c.integration.create.mutate({
      name: "Canary qB",
      kind: "qBittorrent",
      url: qb.url,
      secrets: [
        { kind: "username", value: "canary-user" },
        { kind: "password", value: CANARY_PASSWORD },
      ],
    })) as { id: string };
    expect(created.id).toBeDefined();
    expect(qbCreated.id).toBeDefined();

    // Failing tests with canaries in them.
    await attempt(c.integration.create.mutate({ name: "bad", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }));
    await attempt(c.integration.testConnection.mutate({ kind: "sonarr", url: "http://127.0.0.1:1", secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }));
    await attempt(c.integration.testConnection.mutate({ kind: "sonarr", url: "http://canary.invalid", secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }));
    await attempt(c.integration.testConnection.mutate({ kind: "qBittorrent", url: qb.url, secrets: [{ kind: "username", value: "u" }, { kind: "password", value: CANARY_WRONG }] }));
    await attempt(c.integration.update.mutate({ id: created.id, name: "x", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }));
    await attempt(c.integration.testConnection.mutate({ id: created.id }));
    await attempt(c.integration.testConnection.mutate({ id: qbCreated.id, secrets: [{ kind: "username", value: null }, { kind: "password", value: null }] }));
    // Bad input carrying a canary.
    await attempt(c.integration.create.mutate({ name: "bad", kind: "sonarr", url: `http://u:${CANARY_WRONG}@h`, secrets: [{ kind: "apiKey", value: CANARY_WRONG }] }));
    await attempt(c.integration.create.mutate({ name: "bad", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_WRONG }, { kind: "apiKey", value: CANARY_WRONG }] }));

    // Every read.
    await c.integration.all.query();
    await c.integration.allOfGivenCategory.query({ category: "download" });
    await c.integration.allThatSupportSearch.query();
    await c.integration.search.query({ query: "canary" });
    const qbItem = await c.integration.byId.query({ id: qbCreated.id });
    expect(qbItem.secrets.find((x) => x.kind === "username")?.value).toBe("canary-user");
    expect(qbItem.secrets.find((x) => x.kind === "password")?.value).toBeNull();
    await c.integration.byId.query({ id: created.id });
    await c.integration.byIds.query([created.id, qbCreated.id]);
    await c.integration.getIntegrationPermissions.query({ id: created.id });
    await c.integration.searchInIntegration.query({ integrationId: created.id, query: "expanse" });
    await c.searchEngine.all.query();
    await c.integration.getKinds.query();

    // A successful rotation of the key, then a search that fails upstream.
    await c.integration.update.mutate({ id: created.id, name: "Canary Sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_KEY }] });
    await sonarr.close();
    await attempt(c.integration.searchInIntegration.query({ integrationId: created.id, query: "gone" }));
    await attempt(c.integration.update.mutate({ id: created.id, name: "x", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_NEW }] }));
    await c.integration.delete.mutate({ id: qbCreated.id });

    expect(responses.length).toBeGreaterThan(15);
    expect(errors.length).toBeGreaterThan(0);
    // Every row of every table, on any dialect; on SQLite also the raw database and WAL files.
    const tables = await s.deps.db.introspection.getTables();
    const rows: string[] = [];
    for (const t of tables) rows.push(JSON.stringify(await s.deps.db.selectFrom(t.name as never).selectAll().execute()));
    let dbBytes = rows.join("\n");
    if (s.deps.dialect === "sqlite") {
      const dbFiles = fs.readdirSync(s.dataDir).filter((f) => f.startsWith("patchbay.db"));
      expect(dbFiles).toContain("patchbay.db");
      dbBytes += dbFiles.map((f) => fs.readFileSync(path.join(s.dataDir, f)).toString("latin1")).join("\n");
    }
    // Sanity: the stores we search hold data at all (the integration name is plaintext in the DB).
    expect(dbBytes).toContain("Canary Sonarr");
    expect(s.logs.join("\n")).toContain("connection test failed");
    // Public secret kinds (username) are shown to full-access users but still encrypted at rest (§7).
    expect(dbBytes).not.toContain("canary-user");
    for (const canary of canaries) {
      for (const r of responses) expect(r).not.toContain(canary);
      for (const e of errors) expect(e).not.toContain(canary);
      for (const l of s.logs) expect(l).not.toContain(canary);
      expect(dbBytes).not.toContain(canary);
    }
  });
});
