import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { EventSource } from "eventsource";
import { z } from "zod";
import { createPatchbayClient } from "../../src/client.js";
import { CAPABILITIES } from "../../src/services/capability-table.js";
import { getJson } from "../../src/engine/kit.js";
import { defineKind, type KindDefinition, type TestContext } from "../../src/engine/types.js";
import { kindIds, kinds } from "../../src/kinds/index.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";

/**
 * Test harness of the capability service. The product catalog has no test kind: `capProbe` is registered
 * only inside the test process (the server runs in-process), so every router can be exercised end to end —
 * permissions, envelopes, cache, watch — while the kinds of other helpers are built. Its upstream is a real
 * loopback HTTP server that counts requests and can refuse, hang or echo the key.
 */

export const PROBE = "capProbe";

const iso = "2026-01-10T20:00:00.000Z";
type Upstream = FakeServer & { mode: "ok" | "hang" | "echo"; paused: boolean; reads: Record<string, number> };

export async function startProbeUpstream(apiKey: string): Promise<Upstream> {
  const state = { mode: "ok" as Upstream["mode"], paused: false, reads: {} as Record<string, number> };
  let server!: FakeServer;
  server = await startFakeServer((req, res) => {
    if (state.mode === "hang") return new Promise<void>(() => {}); // never answers
    if (req.headers["x-api-key"] !== apiKey) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"error":"unauthorized"}');
      return;
    }
    const url = new URL(req.url, "http://x");
    const [, verb, cap, action] = url.pathname.split("/");
    if (state.mode === "echo") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html><head><title>Proxy error for key ${apiKey}</title></head><body>key=${apiKey}</body></html>`);
      return;
    }
    if (verb === "read" && cap) {
      state.reads[cap] = (state.reads[cap] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(sample(cap, state.paused, `http://127.0.0.1:${server.port}`)));
      return;
    }
    if (verb === "act" && cap && action) {
      if (cap === "downloads" && action === "pause") state.paused = true;
      if (cap === "downloads" && action === "resume") state.paused = false;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(action === "testAll" ? { failed: 0 } : { ok: true }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  // The handler reads `state`, so tests flip its mode and see its counters through the same object.
  return Object.assign(state, server) as Upstream;
}

function sample(cap: string, paused: boolean, base: string): unknown {
  switch (cap) {
    case "downloads":
      return { status: { paused, downSpeed: 100 }, items: [{ id: "abc", name: "ubuntu.iso", type: "torrent", state: paused ? "paused" : "downloading", progress: 0.5, size: 1000 }] };
    case "dnsHole":
      return { status: "enabled", disabledUntil: null, queriesToday: 10, blockedToday: 2, blockedPercentage: 20, domainsOnBlocklist: 1000 };
    case "mediaRequests":
      return {
        requests: [{ id: 1, mediaType: "movie", title: "Dune", status: "pending", availability: "unknown", requestedBy: { name: "bob" }, createdAt: iso, link: `${base}/requests/1` }],
        counts: { pending: 1, approved: 0, declined: 0, available: 0, total: 1 },
      };
    case "mediaServer":
      return { sessions: [{ id: "s1", user: { name: "bob" }, title: "Dune", type: "movie", state: "playing", transcoding: false }] };
    case "calendar":
      return { events: [{ id: "e1", title: "Episode", start: iso, end: null, allDay: false }] };
    case "indexers":
      return { indexers: [{ id: "1", name: "Indexer", enabled: true, healthy: true }] };
    case "smartHome":
      return { entities: [{ entityId: "light.kitchen", state: "on", attributes: { brightness: 200 }, lastChanged: iso }] };
    case "monitoring":
      return { items: [{ id: "m1", name: "backups", status: "up" }] };
    case "transcoding":
      return { queued: 1, processed: 2, errored: 0, savedBytes: 0, workers: 1 };
    default:
      return {};
  }
}

const DATE_FIELDS = new Set(["createdAt", "start", "end", "lastChanged", "disabledUntil", "addedAt", "lastCheckedAt"]);
const revive = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (k, v: unknown) => (DATE_FIELDS.has(k) && typeof v === "string" ? new Date(v) : v));

const read = (cap: string) => async (ctx: TestContext) => revive(await getJson(ctx, { path: `/read/${cap}`, headers: { "x-api-key": ctx.secrets.apiKey ?? "" } }, z.unknown())) as never;
const act = (cap: string, action: string) => async (ctx: TestContext, input?: unknown) => {
  const r = await getJson(ctx, { method: "POST", path: `/act/${cap}/${action}`, headers: { "x-api-key": ctx.secrets.apiKey ?? "" }, json: input ?? {} }, z.object({ ok: z.literal(true) }).or(z.object({ failed: z.number() })));
  return ("failed" in r ? { failed: r.failed } : undefined) as never;
};

/** Registers `capProbe` (every capability) in this test process's catalog. */
export function registerProbeKind(): void {
  if (kinds.has(PROBE)) return;
  const def = defineKind({
    kind: PROBE,
    name: "Capability probe",
    categories: ["monitoring"],
    secretOptions: [["apiKey"]],
    defaultPort: null,
    iconUrl: "https://example.invalid/probe.svg",
    docsUrl: "https://example.invalid/",
    credentialHint: "The probe's key.",
    async test(ctx) {
      await getJson(ctx, { path: "/read/monitoring", headers: { "x-api-key": ctx.secrets.apiKey ?? "" } }, z.unknown());
      return {};
    },
    capabilities: {
      downloads: { queue: read("downloads"), pause: act("downloads", "pause"), resume: act("downloads", "resume"), remove: act("downloads", "remove") },
      dnsHole: { summary: read("dnsHole"), enable: act("dnsHole", "enable"), disable: act("dnsHole", "disable") },
      mediaRequests: { list: read("mediaRequests"), approve: act("mediaRequests", "approve"), decline: act("mediaRequests", "decline") },
      mediaServer: { sessions: read("mediaServer") },
      calendar: { events: read("calendar") },
      indexers: { list: read("indexers"), testAll: act("indexers", "testAll") },
      smartHome: { states: read("smartHome"), toggle: act("smartHome", "toggle"), turnOn: act("smartHome", "turnOn"), turnOff: act("smartHome", "turnOff"), trigger: act("smartHome", "trigger") },
      monitoring: { status: read("monitoring") },
      transcoding: { status: read("transcoding") },
    },
  });
  (kinds as Map<string, KindDefinition>).set(PROBE, def as KindDefinition);
  (kindIds as string[]).push(PROBE);
}

export interface ProcedureCase {
  router: string;
  procedure: string;
  type: "read" | "action";
  /** Input over tRPC (Dates) and over REST/MCP (ISO strings). */
  input(integrationId: string): { trpc: Record<string, unknown>; json: Record<string, unknown> };
}

const start = new Date("2026-01-01T00:00:00Z");
const end = new Date("2026-01-31T00:00:00Z");
const extraRead: Record<string, { trpc: Record<string, unknown>; json: Record<string, unknown> }> = {
  calendar: { trpc: { start, end }, json: { start: start.toISOString(), end: end.toISOString() } },
  smartHome: { trpc: { entityIds: ["light.kitchen"] }, json: { entityIds: ["light.kitchen"] } },
};
const extraAction: Record<string, Record<string, unknown>> = {
  "downloads.remove": { itemIds: ["abc"], deleteFiles: false },
  "downloads.pause": { itemIds: ["abc"] },
  "dnsHole.disable": { durationSeconds: 60 },
  "mediaRequests.approve": { requestId: 1 },
  "mediaRequests.decline": { requestId: 1 },
  "smartHome.toggle": { entityId: "light.kitchen" },
  "smartHome.turnOn": { entityId: "light.kitchen" },
  "smartHome.turnOff": { entityId: "light.kitchen" },
  "smartHome.trigger": { entityId: "automation.morning" },
};

/** Every capability read and action, enumerated from the same table the routers are generated from. */
export function allProcedures(): ProcedureCase[] {
  const out: ProcedureCase[] = [];
  for (const [router, def] of Object.entries(CAPABILITIES)) {
    const extra = extraRead[router] ?? { trpc: {}, json: {} };
    out.push({
      router,
      procedure: def.read.name,
      type: "read",
      input: (id) => ({ trpc: { integrationIds: [id], ...extra.trpc }, json: { integrationIds: [id], ...extra.json } }),
    });
    for (const action of Object.keys(def.actions)) {
      const x = extraAction[`${router}.${action}`] ?? {};
      out.push({ router, procedure: action, type: "action", input: (id) => ({ trpc: { integrationId: id, ...x }, json: { integrationId: id, ...x } }) });
    }
  }
  return out;
}

/**
 * The package's own client (src/client.ts) with the `eventsource` package: splitLink sends `watch` over SSE
 * (httpSubscriptionLink) with the API key, everything else batched.
 */
export function liveClient(baseUrl: string, apiKey: string) {
  return createPatchbayClient(baseUrl, { apiKey, EventSource });
}

/** POST /api/capabilities/<router>/<procedure> with the API key. */
export async function rest(baseUrl: string, apiKey: string, router: string, procedure: string, body: unknown) {
  const res = await fetch(`${baseUrl}/api/capabilities/${router}/${procedure}`, { method: "POST", headers: { ApiKey: apiKey, "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined };
}

export async function mcpConnect(baseUrl: string, apiKey: string): Promise<McpClient> {
  const client = new McpClient({ name: "patchbay-capabilities-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/api/mcp`), { requestInit: { headers: { ApiKey: apiKey } } }));
  return client;
}

export async function mcpCall(client: McpClient, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[] };
  const text = result.content.map((c) => c.text).join("\n");
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: Boolean(result.isError), text, json };
}
