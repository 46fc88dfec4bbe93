import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium (apt-get install chromium); never `playwright install`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let warned = false;
export function chromiumAvailable(): boolean {
  const ok = fs.existsSync(CHROMIUM);
  if (!ok && !warned) {
    warned = true;
    console.warn(`\n*** SKIPPED: web UI end-to-end tests need Chromium at ${CHROMIUM} (apt-get install chromium) ***\n`);
  }
  return ok;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a new, empty profile (launch flags from shared/spec/stack.md). */
export async function launchBrowser(opts: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {}): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? "light",
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Requests of the page to anything but loopback are refused (posters and icons point at public hosts). */
export async function loopbackOnly(context: BrowserContext) {
  await context.route(
    (url) => !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) && url.protocol !== "data:",
    (route) => route.abort(),
  );
}

/** Resolves after ms without keeping the process alive (stack.md gotcha 6). */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** The one-time setup token Patchbay prints on an empty database. */
export async function setupTokenFrom(output: () => string, timeoutMs = 20_000): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const m = /setup token: ([A-Za-z0-9_-]+)/.exec(output());
    if (m) return m[1]!;
    await delay(50);
  }
  throw new Error(`no setup token in the server log:\n${output()}`);
}

/** Signs in and stays on the dashboard (the landing page). */
export async function signInToDashboard(page: Page, username: string, password: string) {
  await page.getByLabel("User name").fill(username);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Dashboard", exact: true }).waitFor();
}

/**
 * Signs in, then opens the integrations list by its address (at phone width its navigation link sits in the
 * closed drawer), with a fresh page load so no focus is left behind for keyboard tests.
 */
export async function signIn(page: Page, username: string, password: string) {
  await signInToDashboard(page, username, password);
  await page.goto(new URL("/integrations", page.url()).href);
  await page.getByRole("heading", { name: "Integrations", exact: true }).waitFor();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
}
