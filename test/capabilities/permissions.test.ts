import type { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/api/root.js";
import { startCoolify } from "../../src/kinds/coolify/emulator.js";
import { startHealthchecks } from "../../src/kinds/healthchecks/emulator.js";
import { startTdarr } from "../../src/kinds/tdarr/emulator.js";
import { createIntegration } from "../../src/kinds/testing/kind-helpers.js";
import type { FakeServer } from "../../src/kinds/testing/server.js";
import { errorOf, startPatchbay, type Client, type TestServer } from "../helpers/patchbay.js";
import { allProcedures, mcpCall, mcpConnect, PROBE, registerProbeKind, rest, startProbeUpstream } from "./harness.js";

/**
 * The permission matrix of docs/capabilities.md: every capability read and action × every way to hold access
 * (none, a user row use/interact/full, a group row, global use-all/interact-all, admin), over tRPC, REST and
 * MCP. Reads need use; actions need interact (use only → FORBIDDEN, none → NOT_FOUND). The procedures are
 * enumerated from the table the routers are generated from; the probe kind (test-only) serves every router,
 * Healthchecks/Coolify/Tdarr additionally serve monitoring and transcoding.
 */

const KEY = "probe-key-0123456789abcdef";
const HC_KEY = "hc0123456789abcdef0123456789abcd";
const COOLIFY = "7|coolifytokenABCDEFGHIJ";
const TDARR = "tapi_matrixkey01234";

let s: TestServer;
const upstreams: FakeServer[] = [];
let probeId: string;
let extra: Record<string, string[]>;
type Who = { name: string; level: number; client: Client; apiKey: string; mcp?: McpClient };
const principals: Who[] = [];

beforeAll(async () => {
  registerProbeKind();
  s = await startPatchbay();
  const probe = await startProbeUpstream(KEY);
  const hc = await startHealthchecks({ apiKey: HC_KEY, checks: [{ name: "backups", status: "up" }] });
  const coolify = await startCoolify({ tokens: [COOLIFY], resources: [{ uuid: "a1", name: "web", type: "application", status: "running:healthy", fqdn: "https://web.example.com" }] });
  const tdarr = await startTdarr({ auth: true, apiKeys: [TDARR], statistics: { table1Count: 3, table2Count: 10, table3Count: 1, table4Count: 2, table5Count: 5, table6Count: 0, sizeDiff: 1.5 }, nodes: { n1: { name: "node", workers: 2 } } });
  upstreams.push(probe, hc, coolify, tdarr);
  probeId = await createIntegration(s, "Probe", PROBE, probe.url, [{ kind: "apiKey", value: KEY }]);
  const hcId = await createIntegration(s, "Healthchecks", "healthchecks", hc.url, [{ kind: "apiKey", value: HC_KEY }]);
  const coolifyId = await createIntegration(s, "Coolify", "coolify", coolify.url, [{ kind: "token", value: COOLIFY }]);
  const tdarrId = await createIntegration(s, "Tdarr", "tdarr", tdarr.url, [{ kind: "apiKey", value: TDARR }]);
  extra = { monitoring: [hcId, coolifyId], transcoding: [tdarrId] };
  const all = [probeId, hcId, coolifyId, tdarrId];

  const none = await s.user([]);
  const use = await s.user([]);
  const interact = await s.user([]);
  const full = await s.user([]);
  const grouped = await s.user([]);
  const useAll = await s.user(["integration-use-all"]);
  const interactAll = await s.user(["integration-interact-all"]);
  const admin = await s.user(["admin"]);
  const group = await s.admin.group.create.mutate({ name: "capability-operators" });
  await s.admin.group.addMember.mutate({ groupId: group.id, userId: grouped.id });
  for (const id of all) {
    await s.admin.integration.saveUserIntegrationPermissions.mutate({
      entityId: id,
      permissions: [
        { principalId: use.id, permission: "use" },
        { principalId: interact.id, permission: "interact" },
        { principalId: full.id, permission: "full" },
      ],
    });
    await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: group.id, permission: "interact" }] });
  }
  for (const [name, u, level] of [
    ["none", none, 0],
    ["use", use, 1],
    ["interact", interact, 2],
    ["full", full, 3],
    ["group interact", grouped, 2],
    ["global use-all", useAll, 1],
    ["global interact-all", interactAll, 2],
    ["admin", admin, 3],
  ] as const) {
    principals.push({ name, level, client: u.client, apiKey: u.apiKey, mcp: await mcpConnect(s.url, u.apiKey) });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(principals.map((p) => p.mcp?.close()));
  await Promise.all(upstreams.map((u) => u.close()));
  await s?.close();
});

const cases = allProcedures();

describe("the capability procedures", () => {
  it("are every query and mutation of the capability routers (nothing left out of the matrix)", () => {
    const routers = new Set(cases.map((c) => c.router));
    const listed = Object.keys(appRouter._def.procedures)
      .filter((p) => routers.has(p.split(".")[0]!) && !p.endsWith(".watch"))
      .sort();
    expect(cases.map((c) => `${c.router}.${c.procedure}`).sort()).toEqual(listed);
    expect(listed).toHaveLength(21);
    // …and every read has its watch subscription.
    for (const r of routers) expect(Object.keys(appRouter._def.procedures)).toContain(`${r}.watch`);
  });
});

function expectOk(c: (typeof cases)[number], answer: any, ids: string[]) {
  if (c.type === "read") {
    expect(answer.map((e: any) => e.integration.id)).toEqual(ids);
    for (const e of answer) expect(e, JSON.stringify(e)).toHaveProperty("data");
  } else {
    expect(answer).toMatchObject({ ok: true });
  }
}

describe.each(cases)("$router.$procedure ($type)", (c) => {
  const expected = (level: number) => (level === 0 ? "NOT_FOUND" : c.type === "action" && level === 1 ? "FORBIDDEN" : "OK");
  const idsFor = () => (c.type === "read" ? [probeId, ...(extra[c.router] ?? [])] : [probeId]);
  const inputOf = (kind: "trpc" | "json") => {
    const base = c.input(probeId)[kind];
    return c.type === "read" ? { ...base, integrationIds: idsFor() } : base;
  };

  it("over tRPC", async () => {
    for (const p of principals) {
      const proc = (p.client as any)[c.router][c.procedure];
      const call = c.type === "read" ? proc.query(inputOf("trpc")) : proc.mutate(inputOf("trpc"));
      const want = expected(p.level);
      if (want === "OK") expectOk(c, await call, idsFor());
      else expect((await errorOf(call)).code, p.name).toBe(want);
    }
  });

  it("over REST", async () => {
    for (const p of principals) {
      const r = await rest(s.url, p.apiKey, c.router, c.procedure, inputOf("json"));
      const want = expected(p.level);
      expect(r.status, `${p.name}: ${r.text}`).toBe(want === "OK" ? 200 : want === "FORBIDDEN" ? 403 : 404);
      if (want === "OK") expectOk(c, r.json, idsFor());
      else expect(r.json.code).toBe(want);
    }
  });

  it("over MCP", async () => {
    for (const p of principals) {
      const r = await mcpCall(p.mcp!, `${c.router}_${c.procedure}`, inputOf("json"));
      const want = expected(p.level);
      if (want === "OK") {
        expect(r.isError, `${p.name}: ${r.text}`).toBe(false);
        expectOk(c, r.json, idsFor());
      } else {
        expect(r.isError, p.name).toBe(true);
        expect(r.text.startsWith(`${want}:`), `${p.name}: ${r.text}`).toBe(true);
      }
    }
  });
});

describe("reads without integrationIds", () => {
  it("cover every usable integration with the capability in list order (kind, then name); none visible → []", async () => {
    const admin = principals.find((p) => p.name === "admin")!;
    const monitoring = await admin.client.monitoring.status.query({});
    // Catalog order: healthchecks before coolify; the test-only probe kind sorts last.
    expect(monitoring.map((e) => e.integration.kind)).toEqual(["healthchecks", "coolify", PROBE]);
    const none = principals.find((p) => p.name === "none")!;
    expect(await none.client.monitoring.status.query({})).toEqual([]);
  });

  it("an id of a kind without the capability is NOT_FOUND for the whole call", async () => {
    const admin = principals.find((p) => p.name === "admin")!;
    const err = await errorOf(admin.client.transcoding.status.query({ integrationIds: [...extra.transcoding!, extra.monitoring![0]!] }));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toBe("Integration not found");
  });
});

describe("input validation names the field (400), for every transport", () => {
  it("limits and ranges of the contract", async () => {
    const admin = principals.find((p) => p.name === "admin")!;
    const bad = [
      ["downloads", "queue", { limit: 501 }, "limit"],
      ["downloads", "remove", { integrationId: probeId, itemIds: [], deleteFiles: true }, "itemIds"],
      ["dnsHole", "disable", { integrationId: probeId, durationSeconds: 86_401 }, "durationSeconds"],
      ["mediaRequests", "list", { filter: "everything" }, "filter"],
      ["calendar", "events", { start: "2026-01-31T00:00:00Z", end: "2026-01-01T00:00:00Z" }, "end"],
      ["calendar", "events", { start: "2026-01-01T00:00:00Z", end: "2026-05-01T00:00:00Z" }, "end"],
      ["smartHome", "states", { entityIds: [] }, "entityIds"],
      ["smartHome", "toggle", { integrationId: probeId, entityId: "not an entity" }, "entityId"],
      ["monitoring", "status", { integrationIds: [] }, "integrationIds"],
    ] as const;
    for (const [router, proc, body, field] of bad) {
      const r = await rest(s.url, admin.apiKey, router, proc, body);
      expect(r.status, `${router}.${proc} ${r.text}`).toBe(400);
      expect(r.json.message).toContain(field);
    }
  });
});
