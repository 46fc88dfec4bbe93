import { CAPABILITY_NAMES } from "../../src/engine/capabilities.js";
import fs from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";

/** /api/docs in a real browser: Swagger UI renders the document under its CSP and requests nothing from elsewhere. */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = fs.existsSync(CHROMIUM);
if (!available) console.warn(`\n*** SKIPPED: /api/docs browser test needs Chromium at ${CHROMIUM} (apt-get install chromium) ***\n`);

describe.skipIf(!available)("/api/docs in headless Chromium", () => {
  let s: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    s = await startPatchbay();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it("renders every operation, with no request leaving the server and no console error (CSP included)", async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(s.url) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${s.url}/api/docs`);
    await page.waitForSelector(".opblock-tag", { timeout: 15_000 });
    const tags = await page.$$eval(".opblock-tag", (els) => els.map((e) => e.getAttribute("data-tag")));
    expect(tags).toEqual(["integrations", "kinds", "auth", "apps", "search engines", "notifications", "audit", ...CAPABILITY_NAMES.map((c) => `capabilities: ${c}`), "dashboard"]);
    const doc = await (await fetch(`${s.url}/api/openapi.json`)).json();
    const operations = Object.values<Record<string, unknown>>(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.$$eval(".opblock-summary-path", (els) => els.length)).toBe(operations);
    expect(await page.textContent(".info .title")).toMatch(/Patchbay REST API/);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
