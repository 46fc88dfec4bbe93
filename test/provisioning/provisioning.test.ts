import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createDeps } from "../../src/server/start.js";
import { makeClient, type TestServer } from "../helpers/patchbay.js";
import { freePort, ROOT } from "../helpers/process.js";
import { persistentInstance } from "../cli/helpers.js";
import { startArr, type ArrEmulator, type ArrOptions } from "../../src/kinds/arr-family/emulator.js";

/**
 * PATCHBAY_PROVISION_FILE applied at start: secrets from an environment variable and from a file, created
 * once, never duplicated on restart, updated when the secret file changes, failing entries logged without
 * their secret and without blocking the start.
 */
const tag = crypto.randomBytes(4).toString("hex");
const SONARR_ENV = `PB_PROVISION_SONARR_KEY_${tag}`;
const LIDARR_ENV = `PB_PROVISION_LIDARR_KEY_${tag}`;
const UNSET_ENV = `PB_PROVISION_UNSET_${tag}`;
const SONARR_KEY = `CANARY-prov-sonarr-${tag}`;
const RADARR_KEY_1 = `CANARY-prov-radarr-1-${tag}`;
const RADARR_KEY_2 = `CANARY-prov-radarr-2-${tag}`;
const LIDARR_RIGHT = `CANARY-prov-lidarr-right-${tag}`;
const LIDARR_WRONG = `CANARY-prov-lidarr-wrong-${tag}`;
const CANARIES = [SONARR_KEY, RADARR_KEY_1, RADARR_KEY_2, LIDARR_RIGHT, LIDARR_WRONG];

let sonarr: ArrEmulator;
let radarr: ArrEmulator;
let lidarr: ArrEmulator;
const radarrOpts: ArrOptions = { app: "Radarr", apiKey: RADARR_KEY_1 };
let inst: Awaited<ReturnType<typeof persistentInstance>>;
let files: string;
let provisionFile: string;
let radarrKeyFile: string;

function yamlFile() {
  return `# Patchbay provisioning (test)
integrations:
  - name: Sonarr
    kind: sonarr
    url: ${sonarr.url}/
    secrets:
      apiKey: { env: ${SONARR_ENV} }
    permissions:
      groups: { everyone: use, media: interact, ghosts: full }
      users: { alice: interact }
    app: { name: Sonarr, iconUrl: /icons/sonarr.svg, href: https://sonarr.example.com }
    searchEngine: { short: tv }
  - name: Radarr
    kind: radarr
    url: ${radarr.url}
    apiKeyFile: ${radarrKeyFile}
  - name: Lidarr
    kind: lidarr
    url: ${lidarr.url}
    apiKeyEnv: ${LIDARR_ENV}
  - name: Broken
    kind: sonarr
    url: ftp://nowhere
  - name: Missing env
    kind: sonarr
    url: ${sonarr.url}
    apiKeyEnv: ${UNSET_ENV}
`;
}

const logText = (s: TestServer) => s.logs.join("");
const lines = (s: TestServer) => s.logs.flatMap((l) => l.split("\n")).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

async function byNameAndKind(s: TestServer) {
  const all = await s.admin.integration.all.query();
  return all.map((i) => `${i.kind}:${i.name}`).sort();
}

beforeAll(async () => {
  [sonarr, radarr, lidarr] = await Promise.all([
    startArr({ app: "Sonarr", apiKey: SONARR_KEY }),
    startArr(radarrOpts),
    startArr({ app: "Lidarr", apiKey: LIDARR_RIGHT, version: "2.9.6.4552" }),
  ]);
  files = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-provision-"));
  radarrKeyFile = path.join(files, "radarr_api_key");
  fs.writeFileSync(radarrKeyFile, RADARR_KEY_1 + "\n", { mode: 0o600 });
  provisionFile = path.join(files, "provision.yaml");
  fs.writeFileSync(provisionFile, yamlFile());
  process.env[SONARR_ENV] = SONARR_KEY;
  process.env[LIDARR_ENV] = LIDARR_WRONG;
  inst = await persistentInstance();
});
afterAll(async () => {
  delete process.env[SONARR_ENV];
  delete process.env[LIDARR_ENV];
  await inst?.dispose();
  await Promise.all([sonarr?.close(), radarr?.close(), lidarr?.close()]);
  fs.rmSync(files, { recursive: true, force: true });
});

describe("a start with a provisioning file", () => {
  let ids: Record<string, string>;

  it("creates the working entries (secret from env and from a file) as the first admin, with app, search engine and permissions", async () => {
    const s = await inst.start({ provisionFile });
    try {
      // The server is up although entries failed.
      expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
      expect(await byNameAndKind(s)).toEqual(["radarr:Radarr", "sonarr:Sonarr"]);
      const all = await s.admin.integration.all.query();
      ids = Object.fromEntries(all.map((i) => [i.name, i.id]));
      for (const id of Object.values(ids)) expect(await s.admin.integration.testConnection.mutate({ id })).toMatchObject({ ok: true });

      const son = await s.admin.integration.byId.query({ id: ids.Sonarr! });
      expect(son.url).toBe(sonarr.url); // normalised like the API does (trailing slash dropped)
      expect(son.app).toMatchObject({ name: "Sonarr", iconUrl: "/icons/sonarr.svg", href: "https://sonarr.example.com" });
      const engines = await s.admin.searchEngine.all.query();
      expect(engines).toEqual([expect.objectContaining({ short: "tv", type: "fromIntegration", integrationId: ids.Sonarr })]);

      // Created as the first admin: the creator row is theirs; groups that exist got their level.
      const perms = await s.admin.integration.getIntegrationPermissions.query({ id: ids.Sonarr! });
      expect(perms.users.map((u) => [u.user.id, u.permission])).toEqual([[s.adminId, "full"]]);
      expect(perms.groups.map((g) => [g.group.name, g.permission])).toEqual([["everyone", "use"]]);
      const row = await s.deps.db.selectFrom("integrations").select("createdBy").where("id", "=", ids.Sonarr!).executeTakeFirstOrThrow();
      expect(row.createdBy).toBe(s.adminId);

      const log = lines(s);
      const about = (name: string) => log.filter((l) => l.integration === name).map((l) => String(l.msg)).join("\n");
      expect(about("Sonarr")).toMatch(/provisioning: created/);
      expect(about("Sonarr")).toMatch(/there is no group "media"; its permission is skipped/);
      expect(about("Sonarr")).toMatch(/there is no user "alice"/);
      expect(about("Radarr")).toMatch(/provisioning: created/);
      expect(about("Lidarr")).toMatch(/provisioning: not applied: connection test failed: INVALID_CREDENTIALS: /);
      expect(about("Broken")).toMatch(/invalid entry: url: only http:\/\/ and https:\/\/ URLs are allowed/);
      expect(about("Missing env")).toMatch(new RegExp(`environment variable ${UNSET_ENV} is not set`));
      expect(log.find((l) => l.msg === "provisioning done")).toMatchObject({ created: 2, updated: 0, unchanged: 0, failed: 3 });
      // No secret in any log line: not the failing one, not the working ones.
      for (const canary of CANARIES) expect(logText(s)).not.toContain(canary);
    } finally {
      await inst.stop(s);
    }
  });

  it("a restart applies it again without duplicating anything; permissions follow principals created meanwhile", async () => {
    const first = await inst.start();
    const media = await first.admin.group.create.mutate({ name: "media" });
    await first.user([], "alice");
    await inst.stop(first);

    const s = await inst.start({ provisionFile });
    try {
      expect(await byNameAndKind(s)).toEqual(["radarr:Radarr", "sonarr:Sonarr"]);
      const all = await s.admin.integration.all.query();
      expect(Object.fromEntries(all.map((i) => [i.name, i.id]))).toEqual(ids);
      expect(await s.admin.searchEngine.all.query()).toHaveLength(1);
      expect(await s.admin.app.all.query()).toHaveLength(1);
      const log = lines(s);
      expect(log.filter((l) => l.integration === "Sonarr" || l.integration === "Radarr").map((l) => l.msg)).toEqual(
        expect.arrayContaining(["provisioning: unchanged"]),
      );
      expect(log.find((l) => l.msg === "provisioning done")).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 3 });
      const perms = await s.admin.integration.getIntegrationPermissions.query({ id: ids.Sonarr! });
      expect(perms.groups.map((g) => [g.group.id === media.id ? "media" : g.group.name, g.permission]).sort()).toEqual([
        ["everyone", "use"],
        ["media", "interact"],
      ]);
      expect(perms.users.map((u) => [u.user.username, u.permission]).sort()).toEqual([
        ["admin", "full"],
        ["alice", "interact"],
      ]);
    } finally {
      await inst.stop(s);
    }
  });

  it("a changed secret file updates the integration in place (tested first); a fixed env var creates the failed one", async () => {
    const before = await inst.start();
    const radarrBefore = await before.admin.integration.byId.query({ id: ids.Radarr! });
    await inst.stop(before);

    radarrOpts.apiKey = RADARR_KEY_2; // the service got a new key…
    fs.writeFileSync(radarrKeyFile, RADARR_KEY_2 + "\n"); // …and so did the secret file
    process.env[LIDARR_ENV] = LIDARR_RIGHT;
    await new Promise((r) => setTimeout(r, 5)); // a distinct updatedAt
    const s = await inst.start({ provisionFile });
    try {
      expect(await byNameAndKind(s)).toEqual(["lidarr:Lidarr", "radarr:Radarr", "sonarr:Sonarr"]);
      const radarrAfter = await s.admin.integration.byId.query({ id: ids.Radarr! });
      expect(radarrAfter.secrets[0]!.updatedAt.getTime()).toBeGreaterThan(radarrBefore.secrets[0]!.updatedAt.getTime());
      expect(await s.admin.integration.testConnection.mutate({ id: ids.Radarr! })).toMatchObject({ ok: true });
      const log = lines(s);
      expect(log.filter((l) => l.integration === "Radarr").map((l) => l.msg)).toContain("provisioning: updated");
      expect(log.filter((l) => l.integration === "Lidarr").map((l) => l.msg)).toContain("provisioning: created");
      for (const canary of CANARIES) expect(logText(s)).not.toContain(canary);
    } finally {
      await inst.stop(s);
    }
  });

  it("a secret file whose key the service refuses keeps the stored, working configuration", async () => {
    fs.writeFileSync(radarrKeyFile, "CANARY-not-the-key\n");
    const s = await inst.start({ provisionFile });
    try {
      expect(await s.admin.integration.testConnection.mutate({ id: ids.Radarr! })).toMatchObject({ ok: true });
      const about = lines(s).filter((l) => l.integration === "Radarr").map((l) => String(l.msg)).join("\n");
      expect(about).toMatch(/connection test failed, the stored configuration is kept: INVALID_CREDENTIALS/);
      expect(logText(s)).not.toContain("CANARY-not-the-key");
    } finally {
      await inst.stop(s);
      fs.writeFileSync(radarrKeyFile, RADARR_KEY_2 + "\n");
    }
  });
});

describe("bad provisioning files never stop the server", () => {
  async function startWith(content: string | undefined) {
    const file = path.join(files, `p-${crypto.randomBytes(3).toString("hex")}.yaml`);
    if (content !== undefined) fs.writeFileSync(file, content);
    return inst.start({ provisionFile: file });
  }

  it.each([
    ["a missing file", undefined, /provisioning file cannot be read \(ENOENT\); nothing was provisioned/],
    ["invalid YAML (the message does not quote the line, which may hold a secret)", "integrations:\n  - name: [CANARY-in-yaml\n", /provisioning file not valid YAML \(.* at line \d+, column \d+\)/],
    ["an unexpected shape", "things: []\n", /provisioning file unexpected content: .*Unrecognized key.*things.*expected a top-level .*integrations:.* list/],
  ])("%s: logged, server up", async (_name, content, message) => {
    const s = await startWith(content);
    try {
      expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
      expect(logText(s)).toMatch(message);
      expect(logText(s)).not.toContain("CANARY-in-yaml");
    } finally {
      await inst.stop(s);
    }
  });

  it("the README's example is a valid file: its entries only fail for their missing secrets here", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const example = readme.split("## Declarative provisioning")[1]!.split("```yaml\n")[1]!.split("```")[0]!;
    const s = await startWith(example);
    try {
      const text = logText(s);
      expect(text).not.toMatch(/invalid entry/);
      expect(text).toMatch(/secret apiKey: file \/run\/secrets\/sonarr_api_key cannot be read \(ENOENT\)/);
      expect(text).toMatch(/secret username: environment variable QB_USER is not set/);
    } finally {
      await inst.stop(s);
    }
  });

  it("without an admin yet, provisioning waits (logged) and the instance starts for onboarding", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-provision-noadmin-"));
    const logs: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
    const deps = await createDeps({ ...loadConfig({}), dataDir, databaseUrl: undefined, provisionFile }, pino({ level: "info" }, sink));
    try {
      expect(logs.join("")).toMatch(/provisioning skipped: no admin exists yet/);
      expect(await deps.db.selectFrom("integrations").select("id").execute()).toEqual([]);
    } finally {
      await deps.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("PATCHBAY_PROVISION_FILE through `patchbay serve` (a real process)", () => {
  it("provisions from the environment variable at start", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-provision-serve-"));
    const file = path.join(files, "serve.yaml");
    fs.writeFileSync(file, `integrations:\n  - name: Served Sonarr\n    kind: sonarr\n    url: ${sonarr.url}\n    secrets:\n      apiKey: { env: ${SONARR_ENV} }\n`);
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PATCHBAY_|SECRET_ENCRYPTION_|DATABASE_URL$)/.test(k)));
    const child = spawn(process.execPath, [path.join(ROOT, "bin/patchbay.mjs"), "serve"], {
      cwd: ROOT,
      env: {
        ...env,
        HOST: "127.0.0.1",
        PORT: String(port),
        PATCHBAY_DATA_DIR: dataDir,
        PATCHBAY_ADMIN_USERNAME: "owner",
        PATCHBAY_ADMIN_PASSWORD: "owner-password-1",
        PATCHBAY_PROVISION_FILE: file,
        [SONARR_ENV]: SONARR_KEY,
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const url = `http://127.0.0.1:${port}`;
    try {
      const started = Date.now();
      for (;;) {
        if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${output}`);
        if (Date.now() - started > 60_000) throw new Error(`not healthy:\n${output}`);
        const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const login = await fetch(`${url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username: "owner", password: "owner-password-1" } }) });
      const client = makeClient(url, { cookie: login.headers.get("set-cookie")!.split(";")[0]! });
      const all = await client.integration.all.query();
      expect(all.map((i) => i.name)).toEqual(["Served Sonarr"]);
      expect(await client.integration.testConnection.mutate({ id: all[0]!.id })).toMatchObject({ ok: true });
      expect(output).toMatch(/provisioning: created/);
      expect(output).not.toContain(SONARR_KEY);
    } finally {
      if (child.exitCode === null) {
        process.kill(-child.pid!, "SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
