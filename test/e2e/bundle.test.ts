import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/process.js";
import { readRoutes, routeSizes } from "../../scripts/route-budget.mjs";

/**
 * The JavaScript budget of the web UI (issue #13): the landing route loads at most 300 kB (gzip) on first visit,
 * and the build prints what each route loads. Runs the real build (Vite) and reads its manifest.
 */
const BUILD = path.join(ROOT, "scripts", "build-web.mjs");
const DIST = path.join(ROOT, "web", "dist");
const APP = fs.readFileSync(path.join(ROOT, "web", "src", "App.tsx"), "utf8");

function build(env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BUILD, "--force"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 170_000 });
}

describe("web UI bundle budget", () => {
  it("the build prints each route's first-visit JavaScript and keeps the landing route within 300 kB gzip", () => {
    const run = build();
    expect(run.status, run.stderr).toBe(0);
    const line = /^patchbay: the landing route (\S+) loads ([\d.]+) kB of JavaScript \(gzip\) on first visit; budget 300 kB$/m.exec(run.stdout);
    expect(line, run.stdout).not.toBeNull();
    const [, landing, printedKb] = line!;

    // The manifest of that build, measured again here: the printed figure is the real one.
    const sizes = routeSizes(DIST, APP);
    expect(sizes.landing).toBe(landing);
    const home = sizes.routes.find((r) => r.path === landing)!;
    expect(home).toBeDefined();
    expect((home.gzipBytes / 1000).toFixed(1)).toBe(printedKb);
    expect(home.gzipBytes).toBeLessThanOrEqual(300_000);
    // Really gzip of really loaded files: the entry is among them, and the sum matches the files on disk.
    expect(home.files).toContain(sizes.entry);
    const recomputed = home.files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(DIST, f))).length, 0);
    expect(recomputed).toBe(home.gzipBytes);
    expect(home.gzipBytes).toBeLessThan(home.files.reduce((n, f) => n + fs.statSync(path.join(DIST, f)).size, 0));

    // Every route of App.tsx is measured and printed.
    const { routes } = readRoutes(APP);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(sizes.routes.map((r) => r.path)).toEqual(routes.map((r) => r.path));
    for (const r of routes) expect(run.stdout).toContain(`patchbay:   ${r.path} `);
  }, 180_000);

  it("the admin screens are lazy: their code is not in what the landing route loads", () => {
    const sizes = routeSizes(DIST, APP);
    const home = sizes.routes.find((r) => r.path === sizes.landing)!;
    const admin = sizes.routes.filter((r) => r.path.startsWith("/admin/"));
    expect(admin.map((r) => r.path).sort()).toEqual(["/admin/apps", "/admin/audit", "/admin/certificates", "/admin/groups", "/admin/notifications", "/admin/search-engines", "/admin/users"]);
    for (const r of admin) {
      const own = r.files.filter((f) => !home.files.includes(f));
      expect(own.length, r.path).toBeGreaterThan(0);
    }
    // The admin page modules' text is absent from the landing route's files.
    const loaded = home.files.map((f) => fs.readFileSync(path.join(DIST, f), "utf8")).join("\n");
    expect(loaded).not.toContain("Trusted certificates");
    expect(loaded).not.toContain("Choose a group to see its members");
  });

  it("over budget the build fails and leaves the previous build in place", () => {
    const before = fs.readFileSync(path.join(DIST, ".source-hash"), "utf8");
    const entryBefore = (routeSizes(DIST, APP)).entry;
    const run = build({ PATCHBAY_WEB_BUDGET_KB: "50" });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/over budget: the landing route \S+ loads [\d.]+ kB of JavaScript \(gzip\), more than 50 kB/);
    expect(fs.readFileSync(path.join(DIST, ".source-hash"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(DIST, entryBefore))).toBe(true);
  }, 180_000);
});
