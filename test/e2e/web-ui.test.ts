import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClient, startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { npmStart, ROOT, waitHealthy, type RunningProcess } from "../helpers/process.js";
import { available as qbAvailable, startQbittorrent, type RealQbittorrent } from "../../src/kinds/qbittorrent/real.js";
import { selfSignedCert, startHttpsSonarr } from "../../src/kinds/testing/tls.js";
import { chromiumAvailable, launchBrowser, setupTokenFrom, signIn, signOut, type Browser } from "./browser.js";
import { apiCookie, eventually, fieldError, toastWith } from "./helpers.js";

/**
 * The web UI in Debian's Chromium against a real Patchbay process (`npm start`, which builds the UI) and a
 * real qBittorrent: the path a self-hoster takes from an empty instance to a shared, then deleted, integration.
 */
const OWNER = { username: "owner", password: "owner-password-1" };
const VIEWER = { username: "viewer", password: "viewer-password-1" };

/** Uncaught errors in the page fail the test; failed icon downloads (offline CDN) do not. */
function watchErrors(page: Page, errors: string[]) {
  page.on("pageerror", (e) => errors.push(e.message));
}

describe.skipIf(!chromiumAvailable() || !qbAvailable())("web UI against npm start and a real qBittorrent", () => {
  let proc: RunningProcess;
  let qb: RealQbittorrent;
  let browser: Browser;
  let dataDir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-e2e-"));
    [qb, proc] = await Promise.all([startQbittorrent(), npmStart({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_TEST_TIMEOUT_MS: "8000" })]);
    await waitHealthy(proc, 90_000);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await proc?.stop();
    await qb?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("onboarding → login → add qBittorrent (wrong password, then right) → share `use` → the user cannot edit → delete", async () => {
    const page = await browser.context.newPage();
    watchErrors(page, errors);

    // npm start served the built UI, not the "not built" note.
    const index = await fetch(`${proc.url}/integrations`);
    expect(index.headers.get("content-type")).toMatch(/text\/html/);
    expect(await index.text()).toContain('<div id="root">');

    // Onboarding with the setup token from the server log.
    const token = await setupTokenFrom(proc.output);
    await page.goto(proc.url);
    await page.getByRole("heading", { name: "Welcome to Patchbay" }).waitFor();
    await page.getByLabel("Setup token").fill("not-the-token");
    await page.getByLabel("Administrator user name").fill(OWNER.username);
    await page.getByRole("textbox", { name: "Password", exact: true }).fill(OWNER.password);
    await page.getByLabel("Repeat the password").fill(OWNER.password);
    await page.getByRole("button", { name: "Create administrator" }).click();
    expect(await eventually(() => fieldError(page, "Setup token"), "the wrong-token error")).toMatch(/wrong setup token/);
    await page.getByLabel("Setup token").fill(token);
    await page.getByRole("button", { name: "Create administrator" }).click();

    // Login (the user name is pre-filled from onboarding).
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.getByLabel("User name").inputValue()).toBe(OWNER.username);
    await page.getByRole("textbox", { name: "Password", exact: true }).fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await eventually(() => fieldError(page, "Password"), "the login error")).toMatch(/Wrong user name or password/);
    await signIn(page, OWNER.username, OWNER.password);

    // Empty state → kind picker (searchable) → qBittorrent form with the default port.
    await page.getByRole("heading", { name: "No integrations yet" }).waitFor();
    await page.getByRole("link", { name: "Add your first integration" }).click();
    await page.getByLabel("Find a kind").fill("qbit");
    expect(await page.locator("[data-kind]").count()).toBe(1);
    await page.getByRole("link", { name: "qBittorrent" }).click();
    await page.getByRole("heading", { name: "Add qBittorrent" }).waitFor();
    expect(await page.getByRole("textbox", { name: "URL", exact: true }).inputValue()).toMatch(/:8080$/);
    // Two secret options → a switch; the API-key option shows only its field.
    await page.getByText("API key", { exact: true }).click();
    await page.getByRole("textbox", { name: "API key", exact: true }).waitFor();
    expect(await page.getByRole("textbox", { name: "Password", exact: true }).count()).toBe(0);
    await page.getByText("Username + Password", { exact: true }).click();

    await page.getByRole("textbox", { name: "Name", exact: true }).fill("Torrents");
    await page.getByRole("textbox", { name: "URL", exact: true }).fill(qb.url);
    await page.getByRole("textbox", { name: "Username", exact: true }).fill(qb.username);
    await page.getByRole("textbox", { name: "Password", exact: true }).fill("wrong-password");

    // Test connection: a progress indicator while it runs, then the error at the password field.
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByTestId("testing").waitFor();
    const passwordError = await eventually(() => fieldError(page, "Password"), "the password field error");
    expect(passwordError).toMatch(/credentials were not accepted/i);
    expect(await fieldError(page, "URL")).toBe("");
    await toastWith(page, /credentials were not accepted/i);

    // Save with the wrong password writes nothing and shows the same error at the same field.
    await page.getByRole("button", { name: "Save" }).click();
    await eventually(async () => /credentials were not accepted/i.test(await fieldError(page, "Password")), "the error after Save");
    const cookie = await apiCookie(proc.url, OWNER.username, OWNER.password);
    const owner = makeClient(proc.url, { cookie });
    expect(await owner.integration.all.query()).toEqual([]);

    // Fix it → saved → listed under its category with full access.
    await page.getByRole("textbox", { name: "Password", exact: true }).fill(qb.password);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByTestId("test-ok").waitFor();
    expect(await fieldError(page, "Password")).toBe("");
    await page.getByRole("button", { name: "Save" }).click();
    await toastWith(page, "Integration saved");
    await page.getByRole("heading", { name: "Integrations", exact: true }).waitFor();
    const row = page.locator('[data-testid="integration-row"][data-name="Torrents"]');
    await row.waitFor();
    expect(await row.textContent()).toContain(qb.url);
    expect(await row.textContent()).toContain("full");
    expect(await page.getByRole("region", { name: "Download clients" }).getByText("Torrents").count()).toBe(1);
    const [saved] = await owner.integration.all.query();
    expect(saved).toMatchObject({ name: "Torrents", kind: "qBittorrent", url: qb.url });
    const detail = await owner.integration.byId.query({ id: saved!.id });
    expect(detail.secrets.map((s) => [s.kind, s.value])).toEqual([
      ["password", null],
      ["username", qb.username],
    ]);

    // The filter box uses integration.search.
    await page.getByLabel("Filter by name").fill("nothing-like-this");
    await page.getByText("No integration matches").waitFor();
    await page.getByLabel("Filter by name").fill("torr");
    await row.waitFor();

    // A second user, made in the admin screen.
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog", { name: "Add user" });
    await dialog.getByLabel("User name").fill(VIEWER.username);
    await dialog.getByRole("textbox", { name: "Password", exact: true }).fill(VIEWER.password);
    await dialog.getByRole("button", { name: "Create user" }).click();
    await toastWith(page, "User created");
    await page.getByRole("cell", { name: VIEWER.username, exact: true }).waitFor();

    // Grant them `use` on the integration.
    await page.getByRole("link", { name: "Integrations", exact: true }).click();
    await page.getByRole("link", { name: "Access to Torrents" }).click();
    await page.getByRole("tab", { name: "Access", selected: true }).waitFor();
    await page.getByRole("combobox", { name: "Add a user" }).click();
    await page.getByRole("option", { name: VIEWER.username }).click();
    await page.getByRole("button", { name: "Add" }).first().click();
    expect(await page.getByRole("combobox", { name: `Access level of ${VIEWER.username}` }).inputValue()).toBe("use");
    await page.getByRole("button", { name: "Save access" }).click();
    await toastWith(page, "Access saved");
    const perms = await owner.integration.getIntegrationPermissions.query({ id: saved!.id });
    expect(perms.users.map((u) => [u.user.username, u.permission]).sort()).toEqual([
      [OWNER.username, "full"],
      [VIEWER.username, "use"],
    ]);

    // The viewer sees it with `use` and no way to edit it.
    await signOut(page);
    await signIn(page, VIEWER.username, VIEWER.password);
    const viewerRow = page.locator('[data-testid="integration-row"][data-name="Torrents"]');
    await viewerRow.waitFor();
    expect(await viewerRow.textContent()).toContain("use");
    expect(await viewerRow.getByRole("link", { name: "Edit Torrents" }).count()).toBe(0);
    expect(await viewerRow.getByRole("link", { name: "Access to Torrents" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Add integration" }).count()).toBe(0);
    await page.goto(`${proc.url}/integrations/${saved!.id}/settings`);
    await page.getByTestId("no-access").waitFor();
    expect(await page.getByRole("textbox", { name: "Password", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Save" }).count()).toBe(0);
    // …and the API agrees: the UI hides nothing the server would allow.
    const viewer = makeClient(proc.url, { cookie: await apiCookie(proc.url, VIEWER.username, VIEWER.password) });
    await expect(viewer.integration.byId.query({ id: saved!.id })).rejects.toThrow(/not found/i);

    // Back as the owner: edit shows the secrets as "unchanged", delete names what breaks.
    await page.goto(proc.url);
    await signOut(page);
    await signIn(page, OWNER.username, OWNER.password);
    await page.getByRole("link", { name: "Edit Torrents" }).click();
    await page.getByRole("tab", { name: "Settings", selected: true }).waitFor();
    expect(await page.getByRole("textbox", { name: "Username", exact: true }).inputValue()).toBe(qb.username);
    expect(await page.getByRole("textbox", { name: "Password", exact: true }).inputValue()).toBe("");
    expect(await page.getByRole("textbox", { name: "Password", exact: true }).getAttribute("placeholder")).toBe("unchanged");
    // Testing with the stored (unchanged) password passes.
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByTestId("test-ok").waitFor();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const confirm = page.getByRole("dialog", { name: "Delete “Torrents”?" });
    await confirm.getByText(VIEWER.username).waitFor();
    await confirm.getByRole("button", { name: "Delete Torrents" }).click();
    await toastWith(page, "Integration deleted");
    await page.getByRole("heading", { name: "No integrations yet" }).waitFor();
    expect(await owner.integration.all.query()).toEqual([]);
    expect(errors).toEqual([]);
  }, 180_000);
});

describe.skipIf(!chromiumAvailable())("web UI: trusting a self-signed certificate", () => {
  let s: TestServer;
  let browser: Browser;
  let https: Awaited<ReturnType<typeof startHttpsSonarr>>;
  const KEY = "sonarr-e2e-key-5b1c";
  const cert = selfSignedCert({ cn: "sonarr.lan", san: "DNS:sonarr.lan" });

  beforeAll(async () => {
    // The in-process server serves web/dist: make sure it is current (a no-op when it is).
    execFileSync(process.execPath, [path.join(ROOT, "scripts/build-web.mjs")], { cwd: ROOT, stdio: "inherit" });
    [s, https, browser] = await Promise.all([startPatchbay({ testTimeoutMs: 5_000 }), startHttpsSonarr(cert, KEY), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await https?.close();
    await s?.close();
  });

  async function fillSonarr(page: Page) {
    await page.goto(`${s.url}/integrations/new/sonarr`);
    await page.getByRole("heading", { name: "Add Sonarr" }).waitFor();
    expect(await page.getByRole("textbox", { name: "URL", exact: true }).inputValue()).toMatch(/:8989$/);
    await page.getByRole("textbox", { name: "URL", exact: true }).fill(https.url);
    await page.getByRole("textbox", { name: "API key", exact: true }).fill(KEY);
    await page.getByRole("button", { name: "Test connection" }).click();
    const card = page.getByTestId("certificate-error");
    await card.waitFor();
    return card;
  }

  it("a non-admin sees the certificate but cannot trust it; an admin trusts it and the test then passes", async () => {
    const errors: string[] = [];
    const creator = await s.user(["integration-create"]);
    const page = await browser.context.newPage();
    watchErrors(page, errors);
    await page.goto(s.url);
    await signIn(page, creator.username, `pw-${creator.username}-secret`);
    let card = await fillSonarr(page);
    expect(await card.textContent()).toContain("CN=sonarr.lan");
    expect(await card.getByRole("button", { name: "Trust this certificate" }).count()).toBe(0);
    expect(await card.textContent()).toContain("Ask an administrator");
    await signOut(page);

    await signIn(page, "admin", "admin-password-1");
    card = await fillSonarr(page);
    const text = (await card.textContent())!;
    expect(text).toContain("CN=sonarr.lan"); // subject and issuer
    expect(text).toContain("self-signed");
    expect(text).toMatch(/([0-9A-F]{2}:){31}[0-9A-F]{2}/); // SHA-256 fingerprint
    expect(text).toMatch(/Valid/);
    await card.getByRole("button", { name: "Trust this certificate" }).click();
    await toastWith(page, "Certificate trusted");
    // Trusting re-runs the test, which now passes.
    await page.getByTestId("test-ok").waitFor();
    expect(await page.getByTestId("test-ok").textContent()).toContain("4.0.14.2939");
    const trusted = await s.admin.certificate.all.query();
    expect(trusted.map((c) => c.subject)).toContain("CN=sonarr.lan");

    await page.getByRole("button", { name: "Save" }).click();
    await toastWith(page, "Integration saved");
    await page.locator('[data-testid="integration-row"][data-name="Sonarr"]').waitFor();
    const list = await s.admin.integration.all.query();
    expect(list.map((i) => [i.kind, i.url])).toContainEqual(["sonarr", https.url]);
    // "Also create a search engine" was on by default for a searchable kind.
    expect((await s.admin.searchEngine.all.query()).some((e) => e.integrationId === list.find((i) => i.kind === "sonarr")!.id)).toBe(true);

    // The trusted certificate is listed for admins.
    await page.getByRole("link", { name: "Certificates" }).click();
    await page.getByRole("cell", { name: "CN=sonarr.lan", exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
