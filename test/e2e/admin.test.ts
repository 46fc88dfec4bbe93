import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { ROOT } from "../helpers/process.js";
import { chromiumAvailable, launchBrowser, signIn, type Browser } from "./browser.js";
import { eventually, fieldError, toastWith } from "./helpers.js";

/**
 * The administration screens in Chromium against a real Patchbay: they load lazily, share one list/edit pattern
 * (apps and search engines can be edited), and the server's structured field issues land at their inputs.
 * Then the shell at phone width, in dark, and by keyboard.
 */
const ADMIN = { username: "admin", password: "admin-password-1" };

describe.skipIf(!chromiumAvailable())("web UI: administration screens", () => {
  let s: TestServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    // The in-process server serves web/dist: make sure it is current (a no-op when it is).
    execFileSync(process.execPath, [path.join(ROOT, "scripts/build-web.mjs")], { cwd: ROOT, stdio: "inherit" });
    [s, browser] = await Promise.all([startPatchbay(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  async function newPage(): Promise<{ page: Page; scripts: string[] }> {
    const page = await browser.context.newPage();
    const scripts: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
    });
    return { page, scripts };
  }

  it("admin screens load on first visit only; a taken user name and a bad link show at their fields; apps and search engines are edited", async () => {
    const { page, scripts } = await newPage();
    await page.goto(s.url);
    await signIn(page, ADMIN.username, ADMIN.password);
    const landing = [...scripts];
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    // Lazy: opening Users fetched code the landing page did not.
    expect(scripts.filter((f) => !landing.includes(f)).length).toBeGreaterThan(0);

    // A new user, then the same name again: CONFLICT with issues [{path: "username"}] → at the User name field.
    await page.getByRole("button", { name: "Add user" }).click();
    let dialog = page.getByRole("dialog", { name: "Add user" });
    await dialog.getByLabel("User name").fill("alice");
    await dialog.getByRole("textbox", { name: "Password", exact: true }).fill("alice-password-7");
    await dialog.getByRole("button", { name: "Create user" }).click();
    await toastWith(page, "User created");
    await page.getByRole("cell", { name: "alice", exact: true }).waitFor();
    await page.getByRole("button", { name: "Add user" }).click();
    dialog = page.getByRole("dialog", { name: "Add user" });
    await dialog.getByLabel("User name").fill("alice");
    await dialog.getByRole("textbox", { name: "Password", exact: true }).fill("alice-password-7");
    await dialog.getByRole("button", { name: "Create user" }).click();
    expect(await eventually(() => fieldError(dialog, "User name"), "the taken-name error")).toBe("this username is taken");
    expect((await s.admin.user.list.query()).filter((u) => u.username === "alice")).toHaveLength(1);
    await page.keyboard.press("Escape");

    // Apps: add, then edit (app.update); a javascript: link is refused by the server at the Link field.
    await page.getByRole("link", { name: "Apps" }).click();
    await page.getByRole("button", { name: "Add app" }).click();
    dialog = page.getByRole("dialog", { name: "Add app" });
    await dialog.getByLabel("Name").fill("Jellyfin");
    await dialog.getByLabel("Link").fill("http://jellyfin.lan");
    await dialog.getByRole("button", { name: "Create app" }).click();
    await toastWith(page, "App created");
    await page.getByRole("button", { name: "Edit app Jellyfin" }).click();
    dialog = page.getByRole("dialog", { name: "Edit app Jellyfin" });
    expect(await dialog.getByLabel("Link").inputValue()).toBe("http://jellyfin.lan");
    await dialog.getByLabel("Link").fill("javascript:alert(1)");
    await dialog.getByRole("button", { name: "Save" }).click();
    expect(await eventually(() => fieldError(dialog, "Link"), "the link error")).not.toBe("");
    expect(await fieldError(dialog, "Name")).toBe("");
    await dialog.getByLabel("Name").fill("Jellyfin (living room)");
    await dialog.getByLabel("Link").fill("http://tv.lan:8096");
    await dialog.getByRole("button", { name: "Save" }).click();
    await toastWith(page, "App saved");
    await page.getByRole("cell", { name: "Jellyfin (living room)", exact: true }).waitFor();
    expect((await s.admin.app.all.query()).map((a) => [a.name, a.href])).toEqual([["Jellyfin (living room)", "http://tv.lan:8096"]]);

    // Search engines: a short name already used → at the Short name field; then an edit.
    await page.getByRole("link", { name: "Search engines" }).click();
    for (const name of ["DuckDuckGo", "Other"]) {
      await page.getByRole("button", { name: "Add search engine" }).click();
      dialog = page.getByRole("dialog", { name: "Add search engine" });
      await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
      await dialog.getByLabel("Short name").fill("ddg");
      await dialog.getByRole("button", { name: "Create search engine" }).click();
    }
    expect(await eventually(() => fieldError(dialog, "Short name"), "the short-name error")).toMatch(/already used/);
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Edit search engine DuckDuckGo" }).click();
    dialog = page.getByRole("dialog", { name: "Edit search engine DuckDuckGo" });
    await dialog.getByLabel("URL template").fill("https://duckduckgo.com/?q=%s&ia=web");
    await dialog.getByRole("button", { name: "Save" }).click();
    await toastWith(page, "Search engine saved");
    const engines = await s.admin.searchEngine.all.query();
    expect(engines.map((e) => [e.name, e.short, e.urlTemplate])).toEqual([["DuckDuckGo", "ddg", "https://duckduckgo.com/?q=%s&ia=web"]]);

    // API keys: an expiry in the past cannot be chosen; a name is required by the form before any call.
    await page.getByRole("link", { name: "API keys" }).first().click();
    await page.getByRole("button", { name: "Create key" }).click();
    expect(await fieldError(page, "Key name")).toBe("Give the key a name");
    await page.getByRole("textbox", { name: "Key name" }).fill("backup");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("new-token").waitFor();
    expect(errors).toEqual([]);
  }, 120_000);

  it("at phone width no screen scrolls sideways, in light and dark; the navigation opens from the burger", async () => {
    const phone = await launchBrowser({ viewport: { width: 390, height: 844 } });
    try {
      const page = await phone.context.newPage();
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(s.url);
      await signIn(page, ADMIN.username, ADMIN.password);
      const routes: [string, string][] = [
        ["/integrations", "Integrations"],
        ["/integrations/new", "Add integration"],
        ["/integrations/new/qBittorrent", "Add qBittorrent"],
        ["/search", "Search"],
        ["/account/api-keys", "API keys"],
        ["/admin/users", "Users"],
        ["/admin/groups", "Groups"],
        ["/admin/apps", "Apps"],
        ["/admin/search-engines", "Search engines"],
        ["/admin/certificates", "Trusted certificates"],
      ];
      // Every screen in light; the ones with wide tables or forms in dark too.
      for (const scheme of ["light", "dark"] as const) {
        await page.evaluate((v) => localStorage.setItem("patchbay-color-scheme", v), scheme);
        for (const [route, heading] of scheme === "light" ? routes : routes.filter(([r]) => /new\/|api-keys|groups|certificates/.test(r))) {
          await page.goto(`${s.url}${route}`);
          await page.getByRole("heading", { name: heading, exact: true }).waitFor();
          expect(await page.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme")), route).toBe(scheme);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow, `${route} (${scheme}) is ${overflow}px wider than the screen`).toBeLessThanOrEqual(0);
        }
      }
      // The navigation is a drawer behind the burger: closed, Tab skips its links (they are off screen);
      // open, Tab goes from the burger into it, and following a link closes it again.
      await page.goto(`${s.url}/integrations`);
      await page.getByRole("heading", { name: "Integrations", exact: true }).waitFor();
      const inNav = () => page.evaluate(() => Boolean(document.activeElement?.closest("nav")));
      const burger = page.getByRole("button", { name: "Toggle navigation" });
      expect(await burger.getAttribute("aria-expanded")).toBe("false");
      await burger.focus();
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press("Tab");
        expect(await inNav(), `Tab ${i + 1} from the burger`).toBe(false);
      }
      await burger.click();
      expect(await burger.getAttribute("aria-expanded")).toBe("true");
      await burger.focus();
      // Header: home, theme, account; then the drawer's first link.
      for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
      expect(await inNav()).toBe(true);
      await page.getByRole("link", { name: "Users" }).click();
      await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
      expect(await burger.getAttribute("aria-expanded")).toBe("false");
    } finally {
      await phone.close();
    }
    expect(errors).toEqual([]);
  }, 120_000);

  it("by keyboard: the shell's focus order is header, then navigation, then the page; the theme toggle works by Enter", async () => {
    await browser.context.clearCookies();
    const { page } = await newPage();
    await page.goto(s.url);
    await page.evaluate(() => localStorage.setItem("patchbay-color-scheme", "light"));
    await page.goto(s.url);
    await signIn(page, ADMIN.username, ADMIN.password);
    const focused = async () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const label = el?.getAttribute("aria-label") ?? el?.textContent ?? "";
        return { label: label.trim(), visible: el ? getComputedStyle(el).outlineStyle !== "none" : false };
      });
    await page.locator("body").focus();
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press("Tab");
      const f = await focused();
      order.push(f.label);
      // Every stop shows where the focus is (Mantine's focus ring on :focus-visible).
      expect(f.visible, `focus ring on ${f.label}`).toBe(true);
    }
    expect(order.slice(0, 6)).toEqual(["Patchbay home", "Switch to dark theme", "Account menu", "Dashboard", "Integrations", "Search"]);
    // Back to the theme toggle and switch the theme with the keyboard.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    expect((await focused()).label).toBe("Switch to dark theme");
    await page.keyboard.press("Enter");
    await eventually(async () => (await page.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme"))) === "dark", "the dark theme");
    // A dialog takes the focus to its first field and gives it back when closed.
    await page.goto(`${s.url}/admin/users`);
    await page.getByRole("button", { name: "Add user" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Add user" }).waitFor();
    const focusedField = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return el?.closest("[role=dialog]") ? (el.labels?.[0]?.textContent ?? "") : "";
      });
    expect(await eventually(focusedField, "focus in the dialog's first field")).toMatch(/^User name/);
    await page.keyboard.press("Escape");
    await eventually(async () => (await focused()).label === "Add user", "the focus back on Add user");
    expect(errors).toEqual([]);
  }, 60_000);
});
