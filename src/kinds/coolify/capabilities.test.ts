import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { createIntegration, expectNoSecret } from "../testing/kind-helpers.js";
import { startCoolify } from "./emulator.js";

/** Coolify's `monitoring.status` through the public API, against the emulator's /api/v1/resources. */
const TOKEN = "3|capabilityTokenABCDEFGH";
let s: TestServer;
let coolify: Awaited<ReturnType<typeof startCoolify>>;

beforeAll(async () => {
  s = await startPatchbay();
  coolify = await startCoolify({
    tokens: [TOKEN],
    resources: [
      { uuid: "app1", name: "blog", type: "application", status: "running:healthy", fqdn: "https://blog.example.com,http://blog.lan" },
      { uuid: "app2", name: "api", type: "application", status: "running:unhealthy", fqdn: null },
      { uuid: "db1", name: "postgres", type: "standalone-postgresql", status: "exited:unhealthy" },
      { uuid: "svc1", name: "plausible", type: "service", status: "degraded:unhealthy" },
      { uuid: "svc2", name: "odd", type: "service", status: "" },
    ],
  });
});
afterAll(async () => {
  await coolify?.close();
  if (s) expectNoSecret(s.logs.join("\n"), [TOKEN]);
  await s?.close();
});

describe("coolify monitoring.status", () => {
  it("maps every resource's <state>:<health> onto the contract's status, with the app's first URL as link", async () => {
    const id = await createIntegration(s, "Coolify", "coolify", coolify.url, [{ kind: "token", value: TOKEN }]);
    const [e] = await s.admin.monitoring.status.query({ integrationIds: [id] });
    if (!e || !("data" in e)) throw new Error(JSON.stringify(e));
    expect(e.data.items).toEqual([
      { id: "app1", name: "blog", status: "up", detail: "application · running:healthy", link: "https://blog.example.com" },
      { id: "app2", name: "api", status: "degraded", detail: "application · running:unhealthy" },
      { id: "db1", name: "postgres", status: "down", detail: "standalone-postgresql · exited:unhealthy" },
      { id: "svc1", name: "plausible", status: "degraded", detail: "service · degraded:unhealthy" },
      { id: "svc2", name: "odd", status: "unknown", detail: "service" },
    ]);
    const call = coolify.requests.find((r) => r.url === "/api/v1/resources")!;
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers.accept).toBe("application/json");
  });

  it("a token revoked after saving is INVALID_CREDENTIALS in the envelope (the call still answers)", async () => {
    const before = await startCoolify({ tokens: [TOKEN], resources: [] });
    const after = await startCoolify({ tokens: [], resources: [] }); // the same Coolify once the token was deleted
    try {
      const id = await createIntegration(s, "Coolify revoked", "coolify", before.url, [{ kind: "token", value: TOKEN }]);
      expect((await s.admin.monitoring.status.query({ integrationIds: [id] }))[0]).toMatchObject({ data: { items: [] } });
      await s.deps.db.updateTable("integrations").set({ url: after.url, updatedAt: Date.now() }).where("id", "=", id).execute();
      const [e] = await s.admin.monitoring.status.query({ integrationIds: [id] });
      expect(e).toMatchObject({ error: { code: "INVALID_CREDENTIALS" } });
    } finally {
      await before.close();
      await after.close();
    }
  });
});
