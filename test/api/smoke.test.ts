import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

let s: TestServer;
beforeAll(async () => {
  s = await startPatchbay();
});
afterAll(() => s?.close());

describe("server basics", () => {
  it("serves health and the catalog", async () => {
    const res = await fetch(`${s.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    const kinds = await s.anonymous.integration.getKinds.query();
    expect(kinds.map((k) => k.kind)).toContain("qBittorrent");
  });

  it("protected procedures answer UNAUTHORIZED without a session", async () => {
    expect((await errorOf(s.anonymous.integration.all.query())).code).toBe("UNAUTHORIZED");
  });

  it("admin session lists permissions", async () => {
    const session = await s.admin.auth.session.query();
    expect(session?.user.permissions).toContain("admin");
    expect(session?.user.permissions).toContain("integration-create");
  });
});
