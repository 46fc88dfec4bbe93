import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollerCount } from "../../src/services/capabilities.js";
import { startHealthchecks } from "../../src/kinds/healthchecks/emulator.js";
import { createIntegration, expectNoSecret } from "../../src/kinds/testing/kind-helpers.js";
import type { FakeServer } from "../../src/kinds/testing/server.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { liveClient, mcpCall, mcpConnect, PROBE, registerProbeKind, rest, startProbeUpstream } from "./harness.js";

/**
 * The capability service's cross-cutting promises (docs/capabilities.md §1), through a real Patchbay over
 * HTTP: one deadline for a fan-out with a refused and a hanging service, coalescing, invalidation by actions,
 * shared watch pollers, access re-checked on every emission, and canary secrets that never leave.
 */

const DEADLINE = 1_500;
const HC_KEY = "hcCANARY0123456789abcdef01234567";
const PROBE_KEY = "probe-CANARY-secret-4242";
let s: TestServer;
const closers: FakeServer[] = [];
let hc: Awaited<ReturnType<typeof startHealthchecks>>;
let probe: Awaited<ReturnType<typeof startProbeUpstream>>;
let hcId: string;
let probeId: string;

beforeAll(async () => {
  registerProbeKind();
  s = await startPatchbay({ testTimeoutMs: DEADLINE });
  hc = await startHealthchecks({ apiKey: HC_KEY, checks: [{ name: "backups", status: "up", lastPing: "2026-01-10T10:00:00+00:00" }, { name: "nightly", status: "grace" }] });
  probe = await startProbeUpstream(PROBE_KEY);
  closers.push(hc, probe);
  hcId = await createIntegration(s, "HC", "healthchecks", hc.url, [{ kind: "apiKey", value: HC_KEY }]);
  probeId = await createIntegration(s, "Probe", PROBE, probe.url, [{ kind: "apiKey", value: PROBE_KEY }]);
}, 30_000);

afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()));
  if (s) expectNoSecret(s.logs.join("\n"), [HC_KEY, PROBE_KEY]);
  await s?.close();
});

const checkReads = () => hc.requests.filter((r) => r.url === "/api/v3/checks/").length;

describe("one deadline for the whole fan-out", () => {
  it("a refused and a hanging service among healthy ones: envelopes for them, data for the others, within the deadline + 10 %", async () => {
    const gone = await startHealthchecks({ apiKey: HC_KEY });
    const refusedId = await createIntegration(s, "HC gone", "healthchecks", gone.url, [{ kind: "apiKey", value: HC_KEY }]);
    await gone.close();
    const hanging = await startProbeUpstream(PROBE_KEY);
    closers.push(hanging);
    const hangingId = await createIntegration(s, "Probe hanging", PROBE, hanging.url, [{ kind: "apiKey", value: PROBE_KEY }]);
    hanging.mode = "hang";
    // Warm (first-call module loading and query compilation is not what this measures), then let the cache expire.
    await s.admin.monitoring.status.query({ integrationIds: [hcId, probeId] });
    await new Promise((r) => setTimeout(r, 2_100));

    const started = Date.now();
    const answer = await s.admin.monitoring.status.query({ integrationIds: [hcId, refusedId, hangingId, probeId] });
    const took = Date.now() - started;
    expect(took).toBeLessThan(DEADLINE * 1.1);
    expect(answer.map((e) => e.integration.id)).toEqual([hcId, refusedId, hangingId, probeId]);
    expect(answer[0]).toHaveProperty("data");
    expect(answer[1]).toMatchObject({ error: { code: "CONNECTION_REFUSED" } });
    expect(answer[2]).toMatchObject({ error: { code: "TIMEOUT" } });
    expect(answer[3]).toHaveProperty("data");
    await s.admin.integration.delete.mutate({ id: refusedId });
    await s.admin.integration.delete.mutate({ id: hangingId });
  });

  it("maps Healthchecks checks onto the contract (grace → degraded, last ping, link to the check page)", async () => {
    const [e] = await s.admin.monitoring.status.query({ integrationIds: [hcId] });
    if (!e || !("data" in e)) throw new Error(JSON.stringify(e));
    expect(e.updatedAt).toBeInstanceOf(Date);
    const [backups, nightly] = e.data.items;
    expect(backups).toMatchObject({ name: "backups", status: "up", lastCheckedAt: new Date("2026-01-10T10:00:00Z") });
    expect(backups!.link).toMatch(new RegExp(`^${hc.url}/checks/[0-9a-f-]{36}/details/$`));
    expect(nightly).toMatchObject({ name: "nightly", status: "degraded" });
  });
});

describe("cache and coalescing", () => {
  it("50 concurrent reads by 50 different users reach the upstream at most twice", async () => {
    const group = await s.admin.group.create.mutate({ name: "watchers-50" });
    await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: hcId, permissions: [{ principalId: group.id, permission: "use" }] });
    const users = [];
    for (let i = 0; i < 50; i++) {
      const u = await s.user([]);
      await s.admin.group.addMember.mutate({ groupId: group.id, userId: u.id });
      users.push(u);
    }
    await new Promise((r) => setTimeout(r, 2_100)); // whatever was cached before has expired
    const before = checkReads();
    const answers = await Promise.all(users.map((u) => u.client.monitoring.status.query({ integrationIds: [hcId] })));
    expect(answers.every((a) => a.length === 1 && "data" in a[0]!)).toBe(true);
    expect(checkReads() - before).toBeGreaterThanOrEqual(1);
    expect(checkReads() - before).toBeLessThanOrEqual(2);
  }, 60_000);

  it("a cached read is served without the upstream; an action drops it and the next read shows the new state", async () => {
    const first = await s.admin.downloads.queue.query({ integrationIds: [probeId] });
    const reads = probe.reads.downloads ?? 0;
    expect(await s.admin.downloads.queue.query({ integrationIds: [probeId] })).toEqual(first);
    expect(probe.reads.downloads).toBe(reads);
    expect((first[0] as any).data.status.paused).toBe(false);
    expect(await s.admin.downloads.pause.mutate({ integrationId: probeId })).toEqual({ ok: true });
    const after = await s.admin.downloads.queue.query({ integrationIds: [probeId] });
    expect((after[0] as any).data.status.paused).toBe(true);
    expect(probe.reads.downloads).toBe(reads + 1);
    await s.admin.downloads.resume.mutate({ integrationId: probeId });
    // The action is logged: who, which integration, what, outcome.
    const line = s.logs.find((l) => l.includes('"capability action"') && l.includes('"downloads.pause"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ userId: s.adminId, integrationId: probeId, action: "downloads.pause", outcome: "ok" });
  });
});

describe("watch (SSE)", () => {
  it("20 subscribers of one integration cost one upstream poll per interval", async () => {
    const u = await s.user(["integration-use-all"]);
    const clients = Array.from({ length: 20 }, () => liveClient(s.url, u.apiKey));
    const received = clients.map(() => [] as unknown[]);
    await new Promise((r) => setTimeout(r, 2_100));
    const before = checkReads();
    const subs = clients.map((c, i) =>
      c.monitoring.watch.subscribe({ integrationIds: [hcId], intervalMs: 1_000 }, { onData: (d) => received[i]!.push(d), onError: (e) => received[i]!.push(e) }),
    );
    await new Promise((r) => setTimeout(r, 4_500));
    const polls = checkReads() - before;
    expect(pollerCount(s.deps)).toBe(1);
    for (const sub of subs) sub.unsubscribe();
    // ~4.5 s at 1 s: 4–5 polls for all 20 together (not 20 × that).
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(6);
    for (const r of received) {
      expect(r.length).toBeGreaterThanOrEqual(3);
      const last = r[r.length - 1] as any[];
      expect(last[0].integration.id).toBe(hcId);
      expect(last[0].data.items[0].name).toBe("backups");
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(pollerCount(s.deps)).toBe(0); // the last watcher left: the poller stopped
  }, 20_000);

  it("a subscriber whose use is revoked stops receiving", async () => {
    const u = await s.user([]);
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: hcId, permissions: [{ principalId: u.id, permission: "use" }] });
    const got: number[] = [];
    let completed = false;
    const sub = liveClient(s.url, u.apiKey).monitoring.watch.subscribe(
      { integrationIds: [hcId], intervalMs: 1_000 },
      { onData: () => got.push(Date.now()), onComplete: () => (completed = true), onError: () => (completed = true) },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(got.length).toBeGreaterThanOrEqual(1);
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: hcId, permissions: [] });
    const revokedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    sub.unsubscribe();
    // At most the emission already under way when access was revoked.
    expect(got.filter((t) => t > revokedAt + 1_100)).toEqual([]);
    expect(completed || got.filter((t) => t > revokedAt).length <= 1).toBe(true);
  }, 15_000);

  it("a caller without access cannot subscribe (NOT_FOUND, nothing polled)", async () => {
    const u = await s.user([]);
    const err = await new Promise<any>((resolve) => {
      const sub = liveClient(s.url, u.apiKey).monitoring.watch.subscribe({ integrationIds: [hcId] }, { onData: () => resolve(new Error("data")), onError: (e) => { sub.unsubscribe(); resolve(e); } });
    });
    expect(err.data?.code).toBe("NOT_FOUND");
  });
});

describe("canary secrets never leave", () => {
  it("not in answers, envelope errors, MCP output or logs, even when the upstream echoes them", async () => {
    const echo = await startHealthchecks({ apiKey: HC_KEY, echoKey: true });
    closers.push(echo);
    const echoId = await createIntegration(s, "HC echo", "healthchecks", echo.url, [{ kind: "apiKey", value: HC_KEY }]);
    const echoProbe = await startProbeUpstream(PROBE_KEY);
    closers.push(echoProbe);
    const echoProbeId = await createIntegration(s, "Probe echo", PROBE, echoProbe.url, [{ kind: "apiKey", value: PROBE_KEY }]);
    echoProbe.mode = "echo"; // answers an HTML page naming the key: UNEXPECTED_RESPONSE

    const answer = await s.admin.monitoring.status.query({ integrationIds: [echoId, echoProbeId] });
    expect(answer[0]).toHaveProperty("data");
    expect((answer[0] as any).data.items[0].name).toContain("***"); // redacted, still shown
    expect(answer[1]).toMatchObject({ error: { code: "UNEXPECTED_RESPONSE" } });
    expectNoSecret(answer, [HC_KEY, PROBE_KEY]);

    const u = await s.user(["admin"]);
    const viaRest = await rest(s.url, u.apiKey, "monitoring", "status", { integrationIds: [echoId, echoProbeId] });
    expect(viaRest.status).toBe(200);
    expectNoSecret(viaRest.text, [HC_KEY, PROBE_KEY]);
    const mcp = await mcpConnect(s.url, u.apiKey);
    const viaMcp = await mcpCall(mcp, "monitoring_status", { integrationIds: [echoId, echoProbeId] });
    await mcp.close();
    expect(viaMcp.isError).toBe(false);
    expectNoSecret(viaMcp.text, [HC_KEY, PROBE_KEY]);
    const action = await s.admin.downloads.pause.mutate({ integrationId: echoProbeId });
    expect(action).toMatchObject({ error: { code: "UNEXPECTED_RESPONSE" } });
    expectNoSecret(action, [PROBE_KEY]);
    expectNoSecret(s.logs.join("\n"), [HC_KEY, PROBE_KEY]);
  });
});
