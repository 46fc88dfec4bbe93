import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator, type ArrOptions } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";
import { selfSignedCert, startHttpsSonarr } from "../../src/kinds/testing/tls.js";
import { startHealthMonitor, type HealthMonitor } from "../../src/services/health.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * The health monitor end to end: a real Patchbay with a 1 s interval and its scheduler running, a Sonarr
 * emulator whose key is switched under it, and a webhook receiver that checks the HMAC of every raw body.
 */
const INTERVAL_S = 1;
const KEY = "health-sonarr-key-0001";
const HOOK_SECRET = "hook-hmac-secret-canary-7f3a";

let s: TestServer;
let monitor: HealthMonitor;
let sonarrOpts: ArrOptions;
let sonarr: ArrEmulator;
let hook: FakeServer;
let integrationId: string;

const events = () => hook.requests.map((r) => JSON.parse(r.body) as { event: string; at: string; integration?: { id: string; name: string; kind: string }; health?: Record<string, unknown> });
const eventsFor = (name: string) => events().filter((e) => e.event === name && e.integration?.id === integrationId);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sonarrOpts = { app: "Sonarr", apiKey: KEY, version: "4.0.14.2939" };
  [s, sonarr, hook] = await Promise.all([
    startPatchbay({ healthIntervalS: INTERVAL_S }),
    startArr(sonarrOpts),
    startFakeServer((_req, res) => {
      res.writeHead(204);
      res.end();
    }),
  ]);
  await s.admin.notification.create.mutate({ name: "Receiver", type: "webhook", url: `${hook.url}/hook`, secret: HOOK_SECRET });
  const created = (await s.admin.integration.create.mutate({ name: "Watched Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] })) as { id: string };
  integrationId = created.id;
  monitor = startHealthMonitor(s.deps);
}, 60_000);

afterAll(async () => {
  await monitor?.stop();
  await Promise.all([s?.close(), sonarr?.close(), hook?.close()]);
});

describe("health monitor", () => {
  it("checks in the background: ok with latency and version, shown in `all` to a use-only user", async () => {
    const viewer = await s.user([], "health_viewer");
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: integrationId, permissions: [{ principalId: viewer.id, permission: "use" }] });
    const item = await waitFor(
      "the first background check",
      async () => (await viewer.client.integration.all.query()).find((i) => i.id === integrationId && i.health.status === "ok"),
      // The first check is spread over one interval; then one tick.
      INTERVAL_S * 1000 * 3 + 2_000,
    );
    expect(item.health).toMatchObject({ status: "ok", version: "4.0.14.2939", latencyMs: expect.any(Number) });
    expect(item.health.checkedAt).toBeInstanceOf(Date);
    expect(item.health.code).toBeUndefined();
    // The other lists carry it too.
    const [ofCategory, searched] = await Promise.all([
      viewer.client.integration.allOfGivenCategory.query({ category: "mediaCollection" }),
      viewer.client.integration.search.query({ query: "Watched" }),
    ]);
    expect(ofCategory.find((i) => i.id === integrationId)?.health.status).toBe("ok");
    expect(searched.find((i) => i.id === integrationId)?.health.status).toBe("ok");
    // Use is enough to read health, not to run a check.
    expect((await viewer.client.integration.health.query({ id: integrationId })).current.status).toBe("ok");
    expect((await errorOf(viewer.client.integration.checkNow.mutate({ id: integrationId }))).code).toBe("FORBIDDEN");
  }, 20_000);

  it("a rejected key turns failing with INVALID_CREDENTIALS within one interval; one 'failing', later one 'recovered', HMAC verified", async () => {
    const viewer = s.admin;
    sonarrOpts.apiKey = "regenerated-in-sonarr"; // the admin regenerated the key in Sonarr
    const switched = Date.now();
    const failing = await waitFor(
      "failing",
      async () => (await viewer.integration.all.query()).find((i) => i.id === integrationId && i.health.status === "failing"),
      INTERVAL_S * 1000 * 4,
    );
    // One interval (+ its 10 % jitter) and a tick of slack.
    expect(Date.now() - switched).toBeLessThan(INTERVAL_S * 1000 * 1.1 + 1_500);
    expect(failing.health.code).toBe("INVALID_CREDENTIALS");
    expect(failing.health.message).toMatch(/API key/i);

    // "failing" goes out after the second consecutive failure, exactly once however long it keeps failing.
    await waitFor("the failing notification", async () => eventsFor("integration.failing").length > 0, INTERVAL_S * 1000 * 4);
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 * 3));
    expect(eventsFor("integration.failing")).toHaveLength(1);
    expect(eventsFor("integration.recovered")).toHaveLength(0);

    sonarrOpts.apiKey = KEY;
    await waitFor("recovered", async () => eventsFor("integration.recovered").length > 0, INTERVAL_S * 1000 * 4);
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 * 2));
    expect(eventsFor("integration.failing")).toHaveLength(1);
    expect(eventsFor("integration.recovered")).toHaveLength(1);

    const [fail] = eventsFor("integration.failing");
    expect(fail).toMatchObject({ integration: { id: integrationId, name: "Watched Sonarr", kind: "sonarr" }, health: { status: "failing", code: "INVALID_CREDENTIALS" } });
    expect(new Date(fail!.at).getTime()).toBeGreaterThan(switched);
    for (const r of hook.requests) {
      const expected = "sha256=" + crypto.createHmac("sha256", HOOK_SECRET).update(r.body).digest("hex");
      expect(r.headers["x-patchbay-signature"]).toBe(expected);
      expect(r.headers["content-type"]).toBe("application/json");
      // Neither the integration's key nor the target's secret is ever in a body.
      expect(r.body).not.toContain(KEY);
      expect(r.body).not.toContain(HOOK_SECRET);
    }
    const wrong = crypto.createHmac("sha256", "not-the-secret").update(hook.requests[0]!.body).digest("hex");
    expect(hook.requests[0]!.headers["x-patchbay-signature"]).not.toBe(`sha256=${wrong}`);

    // The history has the state changes in order.
    const h = await s.admin.integration.health.query({ id: integrationId, from: new Date(switched) });
    const changes = h.history.map((e) => `${e.status}:${e.code ?? ""}`);
    expect(changes).toEqual(["failing:INVALID_CREDENTIALS", "ok:"]);
    expect(h.current.status).toBe("ok");
    expect(h.hourly.reduce((n, x) => n + x.failures, 0)).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("a version below the kind's minimum turns failing with UNSUPPORTED_VERSION (checkNow)", async () => {
    sonarrOpts.version = "2.0.0.5344";
    try {
      const h = await s.admin.integration.checkNow.mutate({ id: integrationId });
      expect(h).toMatchObject({ status: "failing", code: "UNSUPPORTED_VERSION", version: "2.0.0.5344" });
      expect(h.message).toMatch(/3\.0/);
    } finally {
      sonarrOpts.version = "4.0.14.2939";
    }
    expect(await s.admin.integration.checkNow.mutate({ id: integrationId })).toMatchObject({ status: "ok", version: "4.0.14.2939" });
  });

  it("a manual testConnection of the stored integration is recorded", async () => {
    sonarrOpts.apiKey = "changed-again";
    try {
      const before = Date.now();
      const r = await s.admin.integration.testConnection.mutate({ id: integrationId });
      expect(r.ok).toBe(false);
      const h = await s.admin.integration.health.query({ id: integrationId });
      expect(h.current).toMatchObject({ status: "failing", code: "INVALID_CREDENTIALS" });
      expect(h.current.checkedAt!.getTime()).toBeGreaterThanOrEqual(before);
    } finally {
      sonarrOpts.apiKey = KEY;
    }
    expect(await s.admin.integration.checkNow.mutate({ id: integrationId })).toMatchObject({ status: "ok" });
  });

  it("an HTTPS certificate that ends within 14 days is ok with a warning, announced once", async () => {
    const cert = selfSignedCert({ cn: "soon.lan", san: "IP:127.0.0.1", days: 5 });
    const https = await startHttpsSonarr(cert, KEY);
    try {
      await s.admin.certificate.trust.mutate({ pem: cert.cert });
      const created = (await s.admin.integration.create.mutate({ name: "Expiring", kind: "sonarr", url: https.url, secrets: [{ kind: "apiKey", value: KEY }] })) as { id: string };
      const h = await s.admin.integration.checkNow.mutate({ id: created.id });
      expect(h.status).toBe("ok");
      expect(h.warning).toMatch(/expires on \d{4}-\d{2}-\d{2} \(in [45] days\)/);
      await s.admin.integration.checkNow.mutate({ id: created.id });
      await waitFor("the certificate notification", async () => events().some((e) => e.event === "certificate.expiring" && e.integration?.id === created.id), 5_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(events().filter((e) => e.event === "certificate.expiring" && e.integration?.id === created.id)).toHaveLength(1);
      await s.admin.integration.delete.mutate({ id: created.id });
    } finally {
      await https.close();
    }
  }, 20_000);

  it("integration.health: bad input is a 400 naming the field; a missing or hidden id is NOT_FOUND", async () => {
    const bad = await errorOf(s.admin.integration.health.query({ id: integrationId, from: "yesterday" as unknown as Date }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/^from:/);
    const order = await errorOf(s.admin.integration.health.query({ id: integrationId, from: new Date(), to: new Date(Date.now() - 1000) }));
    expect(order.code).toBe("BAD_REQUEST");
    expect((await errorOf(s.admin.integration.health.query({ id: "nope" }))).code).toBe("NOT_FOUND");
    const stranger = await s.user([]);
    expect((await errorOf(stranger.client.integration.health.query({ id: integrationId }))).code).toBe("NOT_FOUND");
    expect((await errorOf(stranger.client.integration.checkNow.mutate({ id: integrationId }))).code).toBe("NOT_FOUND");
  });
});
