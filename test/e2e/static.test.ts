import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { registerWebUi } from "../../src/server/static.js";

/** How the server hands out the web UI (src/server/static.ts), without a browser. */
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "pb-static-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("the web UI at /", () => {
  it("without a build, / says how to build it and the API routes are untouched", async () => {
    const app = Fastify();
    app.get("/api/health", async () => ({ status: "ok" }));
    await registerWebUi(app, tmp());
    const res = await app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/plain/);
    expect(res.body).toMatch(/npm run build:web/);
    expect((await app.inject({ method: "GET", url: "/api/health" })).json()).toEqual({ status: "ok" });
    await app.close();
  });

  it("serves the build, falls back to index.html for client routes, and keeps real 404s for /api and missing files", async () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, "assets"));
    fs.writeFileSync(path.join(root, "index.html"), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(root, "assets", "app-123.js"), "console.log(1)");
    const app = Fastify();
    app.get("/api/health", async () => ({ status: "ok" }));
    await registerWebUi(app, root);

    for (const url of ["/", "/integrations", "/integrations/abc/settings", "/admin/users?tab=1"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toMatch(/text\/html/);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers["content-security-policy"]).toMatch(/script-src 'self'/);
      expect(res.headers["cache-control"]).toBe("no-cache");
    }
    const asset = await app.inject({ method: "GET", url: "/assets/app-123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toMatch(/immutable/);
    expect((await app.inject({ method: "GET", url: "/assets/gone-456.js" })).statusCode).toBe(404);
    const api = await app.inject({ method: "GET", url: "/api/nothing-here" });
    expect(api.statusCode).toBe(404);
    expect(api.headers["content-type"]).toMatch(/json/);
    expect((await app.inject({ method: "GET", url: "/api/health" })).json()).toEqual({ status: "ok" });
    await app.close();
  });
});
