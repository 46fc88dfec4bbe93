/**
 * `npm run screenshots`: a real Patchbay (`npm start`) with emulated services (and the real qBittorrent
 * when installed), driven by Debian's Chromium; writes docs/screenshots/<screen>-<desktop|phone>.png.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { qbOwnApi } from "../helpers/daemon-apis.js";
import { makeClient } from "../helpers/patchbay.js";
import { npmStart, ROOT, waitHealthy } from "../helpers/process.js";
import { startArr } from "../../src/kinds/arr-family/emulator.js";
import { startHomeAssistant } from "../../src/kinds/home-assistant/emulator.js";
import { startJellyfin } from "../../src/kinds/jellyfin/emulator.js";
import { startPihole } from "../../src/kinds/pihole/emulator.js";
import { available as qbAvailable, startQbittorrent } from "../../src/kinds/qbittorrent/real.js";
import { selfSignedCert, startHttpsSonarr } from "../../src/kinds/testing/tls.js";
import { makeTorrent } from "../../src/kinds/download-family/torrent.js";
import { sampleRequests, startSeerr } from "../../src/kinds/seerr-family/emulator.js";
import { chromiumAvailable, delay, launchBrowser, loopbackOnly, setupTokenFrom, type Browser } from "./browser.js";

const OUT = path.join(ROOT, "docs", "screenshots");
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
type Viewport = keyof typeof VIEWPORTS;
const ADMIN = { username: "admin", password: "admin-password-1" };

if (!chromiumAvailable()) {
  console.error("npm run screenshots needs Chromium (apt-get install chromium).");
  process.exit(1);
}

const poster = (title: string, color: string) =>
  "data:image/svg+xml;utf8," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="90"><rect width="60" height="90" fill="${color}"/><text x="30" y="52" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">${title.slice(0, 2)}</text></svg>`,
  );
const series = [
  { title: "The Expanse", year: 2015, tvdbId: 280619, titleSlug: "the-expanse", overview: "Humanity has colonised the solar system; a missing woman leads to a conspiracy.", images: [{ coverType: "poster", remoteUrl: poster("Ex", "#1c7ed6") }] },
  { title: "Expedition Unknown", year: 2015, tvdbId: 295943, titleSlug: "expedition-unknown", overview: "Josh Gates investigates enduring mysteries.", images: [{ coverType: "poster", remoteUrl: poster("EU", "#e8590c") }] },
  { title: "Expats", year: 2024, tvdbId: 421000, titleSlug: "expats", overview: "Three American women in Hong Kong.", images: [{ coverType: "poster", remoteUrl: poster("Ep", "#2b8a3e") }] },
];

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-shots-"));
const cleanups: (() => Promise<unknown>)[] = [];
const cleanup = async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
};

try {
  execFileSync(process.execPath, [path.join(ROOT, "scripts/build-web.mjs")], { cwd: ROOT, stdio: "inherit" });
  fs.mkdirSync(OUT, { recursive: true });
  const proc = await npmStart({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_TEST_TIMEOUT_MS: "4000" });
  cleanups.push(() => proc.stop());
  await waitHealthy(proc, 90_000);
  const setupToken = await setupTokenFrom(proc.output);
  const url = proc.url;

  const browsers = {} as Record<Viewport, Browser>;
  for (const v of Object.keys(VIEWPORTS) as Viewport[]) {
    browsers[v] = await launchBrowser({ viewport: VIEWPORTS[v] });
    cleanups.push(() => browsers[v].close());
    await loopbackOnly(browsers[v].context);
  }
  const pages = {} as Record<Viewport, Page>;
  for (const v of Object.keys(VIEWPORTS) as Viewport[]) pages[v] = await browsers[v].context.newPage();

  /** One screen at both widths: `prepare` brings each page to the screen. */
  async function shoot(name: string, prepare: (page: Page, v: Viewport) => Promise<void>) {
    for (const v of Object.keys(VIEWPORTS) as Viewport[]) {
      const page = pages[v];
      await prepare(page, v);
      await page.evaluate(() => document.fonts.ready);
      await delay(400); // let transitions and toasts settle
      const file = path.join(OUT, `${name}-${v}.png`);
      await page.screenshot({ path: file });
      console.log(`wrote ${path.relative(ROOT, file)}`);
    }
  }
  const go = async (page: Page, p: string, ready: (page: Page) => Promise<unknown>) => {
    await page.goto(`${url}${p}`);
    await ready(page);
  };

  // Before any user exists.
  await shoot("onboarding", (page) => go(page, "/", (p) => p.getByRole("heading", { name: "Welcome to Patchbay" }).waitFor()));
  const created = await fetch(`${url}/api/trpc/onboarding.createAdmin`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { setupToken, ...ADMIN } }),
  });
  if (!created.ok) throw new Error(`createAdmin: ${created.status} ${await created.text()}`);
  await shoot("login", (page) => go(page, "/", (p) => p.getByRole("button", { name: "Sign in" }).waitFor()));

  const login = await fetch(`${url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: ADMIN }) });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const api = makeClient(url, { cookie });
  for (const v of Object.keys(VIEWPORTS) as Viewport[]) {
    // The browser's own session (context.request shares cookies with the page).
    const r = await browsers[v].context.request.post(`${url}/api/trpc/auth.login`, { data: { json: ADMIN }, headers: { origin: url } });
    if (!r.ok()) throw new Error(`browser login failed: ${r.status()}`);
  }

  await shoot("integrations-empty", (page) => go(page, "/integrations", (p) => p.getByRole("heading", { name: "No integrations yet" }).waitFor()));

  // Services to connect to.
  const inDays = (d: number, h: number) => new Date(new Date().setHours(h, 0, 0, 0) + d * 86_400_000).toISOString();
  const episodes = [
    [1, 21, "The Expanse", 4, 7, "Tribes"],
    [3, 20, "Severance", 2, 5, "Trojan's Horse"],
    [6, 21, "The Expanse", 4, 8, "Hoodoo"],
    [10, 22, "Expedition Unknown", 12, 1, "The Lost City"],
  ] as const;
  const calendar = episodes.map(([d, h, title, season, episode, name], n) => ({ id: 100 + n, seriesId: n, seasonNumber: season, episodeNumber: episode, title: name, airDateUtc: inDays(d, h), runtime: 50, monitored: true, series: { title } }));
  const sonarr = await startArr({ app: "Sonarr", apiKey: "sonarr-key", version: "4.0.14.2939", lookup: series, calendar });
  const seerr = await startSeerr({ flavor: "Overseerr", apiKey: "seerr-key", ...sampleRequests("Overseerr", "1.33.2") });
  cleanups.push(() => seerr.close());
  const radarr = await startArr({ app: "Radarr", apiKey: "radarr-key", version: "5.14.0.9383" });
  const silent = await startArr({ app: "Radarr", apiKey: "radarr-key", hang: true });
  const jellyfin = await startJellyfin({ apiKey: "jellyfin-key" });
  const ha = await startHomeAssistant({ token: "ha-token" });
  const pihole = await startPihole({ version: 6 });
  const tls = await startHttpsSonarr(selfSignedCert({ cn: "sonarr.lan", san: "DNS:sonarr.lan" }), "tls-key");
  for (const s of [sonarr, radarr, silent, jellyfin, ha, pihole, tls]) cleanups.push(() => s.close());
  const qb = qbAvailable() ? await startQbittorrent() : undefined;
  if (qb) cleanups.push(() => qb.stop());

  const create = async (input: Parameters<typeof api.integration.create.mutate>[0]) => {
    const r = await api.integration.create.mutate(input);
    if ("error" in r) console.warn(`could not create ${input.name}: ${r.error.code} ${r.error.message}`);
    return "error" in r ? undefined : r.id;
  };
  const app = await api.app.create.mutate({ name: "Jellyfin", iconUrl: "/favicon.svg", href: "https://jellyfin.home.lan", description: "Movies and shows" });
  await create({ name: "Jellyfin", kind: "jellyfin", url: jellyfin.url, secrets: [{ kind: "apiKey", value: "jellyfin-key" }], app: { id: app.id }, attemptSearchEngineCreation: true });
  const sonarrId = await create({ name: "Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "sonarr-key" }], attemptSearchEngineCreation: true });
  await create({ name: "Radarr", kind: "radarr", url: radarr.url, secrets: [{ kind: "apiKey", value: "radarr-key" }] });
  if (qb) await create({ name: "qBittorrent", kind: "qBittorrent", url: qb.url, secrets: [{ kind: "username", value: qb.username }, { kind: "password", value: qb.password }] });
  await create({ name: "Pi-hole", kind: "pihole", url: pihole.url, secrets: [] });
  const haId = await create({ name: "Home Assistant", kind: "homeAssistant", url: ha.url, secrets: [{ kind: "token", value: "ha-token" }] });
  await create({ name: "Overseerr", kind: "overseerr", url: seerr.url, secrets: [{ kind: "apiKey", value: "seerr-key" }] });
  if (qb) {
    // Torrents added through qBittorrent's own API, their data already there (they seed at once).
    const own = await qbOwnApi(qb);
    const torrents = path.join(dataDir, "torrents");
    for (const name of ["debian-13.2.0-amd64-netinst.iso", "archlinux-2026.11.01-x86_64.iso", "big-buck-bunny-1080p.mkv"]) await own.add(makeTorrent(torrents, name), torrents);
  }
  if (haId) await api.dashboard.saveLayout.mutate({ cards: (["downloads", "dnsHole", "mediaRequests", "calendar", "smartHome", "mediaServer", "indexers", "monitoring", "transcoding"] as const).map((capability) => ({ capability, integrationIds: null })), pinnedEntities: [{ integrationId: haId, entityId: "light.living_room" }, { integrationId: haId, entityId: "media_player.den" }], calendarView: "agenda" });
  await api.searchEngine.create.mutate({ name: "DuckDuckGo", short: "ddg", iconUrl: "/favicon.svg", urlTemplate: "https://duckduckgo.com/?q=%s" });

  const family = await api.group.create.mutate({ name: "family" });
  const ops = await api.group.create.mutate({ name: "operators" });
  await api.group.savePermissions.mutate({ groupId: ops.id, permissions: ["integration-interact-all", "integration-create"] });
  for (const [username, name] of [["alice", "Alice"], ["bob", "Bob"], ["carol", "Carol"]] as const) {
    const u = await api.user.create.mutate({ username, password: `${username}-password-1`, name, email: `${username}@home.lan` });
    await api.group.addMember.mutate({ groupId: username === "carol" ? ops.id : family.id, userId: u.id });
  }
  const users = await api.user.list.query();
  if (sonarrId) {
    await api.integration.saveUserIntegrationPermissions.mutate({
      entityId: sonarrId,
      permissions: [
        { principalId: (await api.auth.session.query())!.user.id, permission: "full" },
        { principalId: users.find((u) => u.username === "alice")!.id, permission: "use" },
      ],
    });
    await api.integration.saveGroupIntegrationPermissions.mutate({ entityId: sonarrId, permissions: [{ principalId: family.id, permission: "use" }] });
  }
  await api.auth.createApiKey.mutate({ name: "home-assistant" });

  const listReady = (p: Page) => p.locator('[data-testid="integration-row"]').first().waitFor();
  // The dashboard once every card has its first data (no skeleton left).
  const dashboardReady = async (p: Page) => {
    await p.getByTestId("dashboard-cards").waitFor();
    for (let i = 0; i < 100 && (await p.locator('[aria-busy="true"]').count()) > 0; i++) await delay(100);
  };
  await shoot("dashboard", (page) => go(page, "/", dashboardReady));
  await shoot("integrations", (page) => go(page, "/integrations", listReady));
  await shoot("add-kind-picker", (page) => go(page, "/integrations/new", (p) => p.locator("[data-kind]").first().waitFor()));
  await shoot("add-wrong-password", async (page) => {
    const kind = qb ? "qBittorrent" : "jellyfin";
    await go(page, `/integrations/new/${kind}`, (p) => p.getByRole("button", { name: "Test connection" }).waitFor());
    if (qb) {
      await page.getByRole("textbox", { name: "URL", exact: true }).fill(qb.url);
      await page.getByRole("textbox", { name: "Username", exact: true }).fill(qb.username);
      await page.getByRole("textbox", { name: "Password", exact: true }).fill("not-the-password");
    } else {
      await page.getByText("Username + Password", { exact: true }).click();
      await page.getByRole("textbox", { name: "URL", exact: true }).fill(jellyfin.url);
      await page.getByRole("textbox", { name: "Username", exact: true }).fill("admin");
      await page.getByRole("textbox", { name: "Password", exact: true }).fill("not-the-password");
    }
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.locator(".mantine-InputWrapper-error").filter({ hasText: /credentials/ }).first().waitFor();
    await page.getByRole("textbox", { name: "Password", exact: true }).scrollIntoViewIfNeeded();
  });
  await shoot("add-testing", async (page) => {
    // A service that does not answer: the progress indicator while the test waits for its deadline.
    await go(page, "/integrations/new/radarr", (p) => p.getByRole("button", { name: "Test connection" }).waitFor());
    await page.getByRole("textbox", { name: "URL", exact: true }).fill(silent.url);
    await page.getByRole("textbox", { name: "API key", exact: true }).fill("radarr-key");
    await page.getByRole("button", { name: "Save" }).scrollIntoViewIfNeeded();
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByTestId("testing").waitFor();
  });
  await shoot("certificate", async (page) => {
    await go(page, "/integrations/new/sonarr", (p) => p.getByRole("button", { name: "Test connection" }).waitFor());
    await page.getByRole("textbox", { name: "Name", exact: true }).fill("Sonarr (HTTPS)");
    await page.getByRole("textbox", { name: "URL", exact: true }).fill(tls.url);
    await page.getByRole("textbox", { name: "API key", exact: true }).fill("tls-key");
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByTestId("certificate-error").waitFor();
    await page.getByTestId("certificate-error").scrollIntoViewIfNeeded();
  });
  if (sonarrId) {
    await shoot("edit", (page) => go(page, `/integrations/${sonarrId}/settings`, (p) => p.getByRole("button", { name: "Save" }).waitFor()));
    await shoot("delete-confirmation", async (page) => {
      await go(page, `/integrations/${sonarrId}/settings`, (p) => p.getByRole("button", { name: "Delete", exact: true }).waitFor());
      await page.getByRole("button", { name: "Delete", exact: true }).click();
      await page.getByRole("dialog").getByText("alice").waitFor();
    });
    await shoot("access", (page) => go(page, `/integrations/${sonarrId}/access`, (p) => p.getByRole("button", { name: "Save access" }).waitFor()));
    await shoot("search-in-integration", async (page) => {
      await go(page, `/integrations/${sonarrId}/search`, (p) => p.getByRole("button", { name: "Search" }).last().waitFor());
      await page.getByRole("textbox", { name: "Search in Sonarr" }).fill("expanse");
      await page.getByRole("button", { name: "Search", exact: true }).last().click();
      await page.getByTestId("search-result").first().waitFor();
    });
  }
  await shoot("search", async (page) => {
    await go(page, "/search", (p) => p.getByRole("search").waitFor());
    await page.getByRole("search").getByRole("textbox").fill("exp");
    await page.getByRole("search").getByRole("button", { name: "Search" }).click();
    await page.getByTestId("search-result").first().waitFor();
    await delay(1500); // the other integrations answer too
  });
  await shoot("admin-users", (page) => go(page, "/admin/users", (p) => p.getByRole("cell", { name: "alice", exact: true }).waitFor()));
  await shoot("admin-groups", async (page) => {
    await go(page, "/admin/groups", (p) => p.getByRole("button", { name: "operators", exact: true }).waitFor());
    await page.getByRole("button", { name: "operators", exact: true }).click();
    await page.getByText("Global permissions").waitFor();
  });
  await shoot("api-keys", async (page) => {
    await go(page, "/account/api-keys", (p) => p.getByRole("button", { name: "Create key" }).waitFor());
    await page.getByRole("textbox", { name: "Key name" }).fill("backup-script");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("new-token").waitFor();
  });
  await shoot("admin-apps", (page) => go(page, "/admin/apps", (p) => p.getByRole("cell", { name: "Jellyfin" }).first().waitFor()));
  await shoot("admin-search-engines", (page) => go(page, "/admin/search-engines", (p) => p.getByRole("cell", { name: "DuckDuckGo", exact: true }).waitFor()));
  const cert = await api.integration.testConnection.mutate({ kind: "sonarr", url: tls.url, secrets: [{ kind: "apiKey", value: "tls-key" }] });
  if (!cert.ok && cert.error.certificate) await api.certificate.trust.mutate({ pem: cert.error.certificate.pem });
  await shoot("admin-certificates", (page) => go(page, "/admin/certificates", (p) => p.getByRole("cell", { name: "CN=sonarr.lan", exact: true }).waitFor()));

  // The dark theme.
  for (const v of Object.keys(VIEWPORTS) as Viewport[]) await pages[v].evaluate(() => localStorage.setItem("patchbay-color-scheme", "dark"));
  await shoot("dashboard-dark", (page) => go(page, "/", dashboardReady));
  await shoot("integrations-dark", (page) => go(page, "/integrations", listReady));
  await shoot("access-dark", (page) => go(page, `/integrations/${sonarrId}/access`, (p) => p.getByRole("button", { name: "Save access" }).waitFor()));
  // The phone navigation drawer.
  await pages.phone.evaluate(() => localStorage.setItem("patchbay-color-scheme", "light"));
  const phone = pages.phone;
  await go(phone, "/integrations", listReady);
  await phone.getByRole("button", { name: "Toggle navigation" }).click();
  await delay(500);
  await phone.screenshot({ path: path.join(OUT, "navigation-phone.png") });
  console.log("wrote docs/screenshots/navigation-phone.png");
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
