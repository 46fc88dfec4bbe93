import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClient, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { envOf, runCli, spawnCli, tempFile } from "./helpers.js";
import { spawn } from "node:child_process";
import { newId } from "../../src/auth/tokens.js";
import { sealSecret } from "../../src/services/secrets.js";
import { testDialect } from "../helpers/database.js";
import { ROOT } from "../helpers/process.js";
import { startPatchbay } from "../helpers/patchbay.js";

/** The `patchbay` CLI as a child process: help, bad input, admin create, user reset-password, test. */

const COMMANDS = [
  ["serve"],
  ["admin", "create"],
  ["user", "reset-password"],
  ["secrets", "rotate-key"],
  ["export"],
  ["import"],
  ["test"],
  ["audit", "export"],
];

describe("help and wrong usage (no instance needed)", () => {
  it("patchbay --help lists every command; no arguments prints it and exits 2", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(c.join(" "));
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("Usage: patchbay <command>");
  });

  it.each(COMMANDS)("%s … --help prints its usage and exits 0", async (...words) => {
    const r = await runCli([...words, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: patchbay ${words.join(" ")}`);
    // `help <command>` says the same.
    const alt = await runCli(["help", ...words]);
    expect(alt.stdout).toBe(r.stdout);
  });

  it("an unknown command, subcommand or option exits 2 with a clear message", async () => {
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const sub = await runCli(["admin", "delete"]);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/unknown command "admin delete"; admin has: create/);
    const option = await runCli(["export", "--out", "x.json", "--passphrase-file", "p", "--compress"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--compress'/);
    expect(option.stderr).toMatch(/patchbay export --help/);
    const serve = await runCli(["serve", "--port", "1"]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/Unknown option '--port'/);
  });

  it("missing flags and malformed values exit 2 and name the flag", async () => {
    const cases: [string[], RegExp, string?][] = [
      [["admin", "create", "--password", "long-enough-1"], /missing --username/],
      [["admin", "create", "--username", "bad name!", "--password", "long-enough-1"], /--username may contain letters/],
      [["admin", "create", "--username", "ok", "--password", "short-pw1"], /password must be at least 10 characters/],
      [["admin", "create", "--username", "ok", "--password", "password123"], /password is one of the 10,000 most common passwords/],
      [["admin", "create", "--username", "Operator.1", "--password", "operator.1"], /password must not be the username/],
      [["user", "reset-password", "--username", "ok", "--password", "1q2w3e4r5t"], /password is one of the 10,000 most common passwords/],
      [["user", "reset-password", "--username", "someone.else"], /password must not be the username/, "Someone.Else\n"],
      [["admin", "create", "--username", "ok", "--password", "a-long-one", "--password-file", "/x"], /either --password or --password-file/],
      [["user", "reset-password", "--password", "long-enough-1"], /missing --username/],
      [["user", "reset-password", "--username", "ok"], /missing --password/],
      [["secrets", "rotate-key"], /missing --new-key-file or --new-key/],
      [["secrets", "rotate-key", "--new-key", "abc"], /--new-key must be 64 hexadecimal characters/],
      [["secrets", "rotate-key", "--new-key", "ab".repeat(32), "--new-key-file", "/x"], /either --new-key-file or --new-key/],
      [["export", "--passphrase-file", "/x"], /missing --out/],
      [["export", "--out", "/tmp/x.json"], /missing --passphrase-file/],
      [["import", "--passphrase-file", "/x"], /missing --in/],
      [["test"], /missing the integration id or name/],
      [["test", "a", "b"], /exactly one integration/],
    ];
    // Four at a time: eighteen CLI processes at once starved a loaded 2-core machine past the deadline.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4).map(([args, , stdin]) => runCli(args, { PATCHBAY_DATA_DIR: path.join(os.tmpdir(), "patchbay-never-created") }, stdin));
      results.push(...(await Promise.all(batch)));
    }
    cases.forEach(([args, message], i) => {
      expect({ args, code: results[i]!.code }).toEqual({ args, code: 2 });
      expect(results[i]!.stderr).toMatch(message);
    });
  });

  it("commands on a data dir without a database refuse instead of creating one", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-empty-"));
    const passphrase = tempFile("pass", "a long passphrase here\n");
    for (const args of [["test", "x"], ["export", "--out", path.join(dir, "e.json"), "--passphrase-file", passphrase], ["user", "reset-password", "--username", "u", "--password", "long-enough-1"], ["secrets", "rotate-key", "--new-key", "ab".repeat(32)]]) {
      const r = await runCli(args, { PATCHBAY_DATA_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/there is no Patchbay database in/);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a malformed configuration is a clear error, as for the server", async () => {
    const r = await runCli(["test", "x"], { PATCHBAY_DATA_DIR: os.tmpdir(), PATCHBAY_TEST_TIMEOUT_MS: "soon" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PATCHBAY_TEST_TIMEOUT_MS must be an integer/);
  });
});

describe("admin create on an empty data dir, then the server", () => {
  it("creates the first admin (and the key), who can log in; a second admin joins the admins group; a taken name fails", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-admin-"));
    const pwFile = tempFile("pw", "first-admin-password\n");
    const first = await runCli(["admin", "create", "--username", "root", "--password-file", pwFile], { PATCHBAY_DATA_DIR: dir });
    expect(first.stderr).toMatch(/generated a new encryption key/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created admin "root"/);
    expect(fs.statSync(path.join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    // The password on standard input (a script's pipe).
    const second = await runCli(["admin", "create", "--username", "deputy"], { PATCHBAY_DATA_DIR: dir }, "deputy-password-1\n");
    expect(second.code).toBe(0);
    const taken = await runCli(["admin", "create", "--username", "root", "--password", "whatever-123"], { PATCHBAY_DATA_DIR: dir });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/a user named "root" already exists/);

    // The server on that data dir: both are admins (no onboarding token needed).
    const s = await startPatchbay({ dataDir: dir, adminUsername: "root", adminPassword: "first-admin-password", databaseUrl: undefined });
    try {
      expect(s.logs.join("")).not.toMatch(/setup token/);
      for (const [u, p] of [["root", "first-admin-password"], ["deputy", "deputy-password-1"]]) {
        const res = await fetch(`${s.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username: u, password: p } }) });
        expect(res.status).toBe(200);
        const client = makeClient(s.url, { cookie: res.headers.get("set-cookie")!.split(";")[0]! });
        expect((await client.auth.session.query())?.user.permissions).toContain("admin");
      }
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("against a running instance", () => {
  let s: TestServer;
  let sonarr: ArrEmulator;
  let sonarrId: string;
  const KEY = "cli-test-sonarr-key";

  beforeAll(async () => {
    [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY })]);
    const created = await s.admin.integration.create.mutate({ name: "Living Room Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
    sonarrId = (created as { id: string }).id;
  });
  afterAll(async () => {
    await Promise.all([s?.close(), sonarr?.close()]);
  });

  async function login(username: string, password: string) {
    return fetch(`${s.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username, password } }) });
  }

  it("user reset-password sets the password and ends every session of that user", async () => {
    const { id } = await s.admin.user.create.mutate({ username: "forgetful", password: "old-password-1" });
    const res = await login("forgetful", "old-password-1");
    const session = makeClient(s.url, { cookie: res.headers.get("set-cookie")!.split(";")[0]! });
    expect((await session.auth.session.query())?.user.id).toBe(id);

    const r = await runCli(["user", "reset-password", "--username", "forgetful", "--password", "new-password-2"], envOf(s.deps.config));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/password of "forgetful" changed; 1 session\(s\) ended/);
    expect(await session.auth.session.query()).toBeNull();
    expect((await login("forgetful", "old-password-1")).status).toBe(401);
    expect((await login("forgetful", "new-password-2")).status).toBe(200);

    const unknown = await runCli(["user", "reset-password", "--username", "nobody", "--password", "new-password-2"], envOf(s.deps.config));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/there is no user named "nobody"/);
  });

  it("test <id> and test <name> run the connection test and print the verdict (exit 0)", async () => {
    const byId = await runCli(["test", sonarrId], envOf(s.deps.config));
    expect(byId.code).toBe(0);
    expect(byId.stdout).toMatch(/^OK\s+Living Room Sonarr \(sonarr, http:\/\/127\.0\.0\.1:\d+\) — version 4\.0\.14/);
    const byName = await runCli(["test", "living room sonarr", "--json"], envOf(s.deps.config));
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.stdout)).toMatchObject({ ok: true, version: "4.0.14.2939", integration: { id: sonarrId, kind: "sonarr" } });
  });

  it("test takes an id that starts with a dash (one random id in 64 does) as the id, not as an option", async () => {
    // The cause of a once-in-a-while exit 2 in CI: ids are random base64url, and parseArgs read "-Xb3…" as flags.
    const id = "-" + newId().slice(1);
    const now = Date.now();
    await s.deps.db.insertInto("integrations").values({ id, name: "Dashed Sonarr", nameLower: "dashed sonarr", kind: "sonarr", url: sonarr.url, appId: null, createdBy: s.adminId, createdAt: now, updatedAt: now }).execute();
    await s.deps.db.insertInto("integrationSecrets").values({ integrationId: id, kind: "apiKey", value: sealSecret(s.deps.keyring, id, "apiKey", KEY), updatedAt: now }).execute();
    try {
      const plain = await runCli(["test", id], envOf(s.deps.config));
      expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: 0, stderr: "" });
      expect(plain.stdout).toMatch(/^OK\s+Dashed Sonarr \(sonarr, /);
      const json = await runCli(["test", "--json", id], envOf(s.deps.config));
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, integration: { id } });
      // A real unknown option is still wrong usage.
      const unknown = await runCli(["test", id, "--verbose"], envOf(s.deps.config));
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/Unknown option '--verbose'/);
    } finally {
      await s.admin.integration.delete.mutate({ id });
    }
  });

  it.runIf(testDialect === "sqlite")("a CLI write waits while another process holds SQLite's write lock longer than the server's 5 s, then succeeds", async () => {
    await s.admin.user.create.mutate({ username: "locked.out", password: "old-password-1" });
    const file = s.deps.config.databaseUrl ? s.deps.config.databaseUrl.replace(/^(sqlite|file):(\/\/)?/, "") : path.join(s.deps.config.dataDir, "patchbay.db");
    // The lock holder is its own process (better-sqlite3 waits synchronously; in this process it would stall the test).
    const holder = spawn(process.execPath, ["-e", `
      const db = new (require("better-sqlite3"))(${JSON.stringify(file)});
      db.exec("BEGIN IMMEDIATE"); console.log("locked");
      process.stdin.once("data", () => { db.exec("COMMIT"); console.log("released"); db.close(); });`], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    const holderOut = (text: string) => new Promise<void>((resolve) => holder.stdout.on("data", (d) => String(d).includes(text) && resolve()));
    await holderOut("locked");
    const cli = spawnCli(["user", "reset-password", "--username", "locked.out", "--password", "new-password-2"], envOf(s.deps.config));
    // Hold the lock 7 s from the moment the CLI has the database open (its start-up time varies with load).
    const opened = () => fs.readdirSync(`/proc/${cli.child.pid}/fd`).some((fd) => { try { return fs.readlinkSync(`/proc/${cli.child.pid}/fd/${fd}`) === file; } catch { return false; } });
    while (cli.child.exitCode === null && !opened()) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 7_000));
    const stillRunning = cli.child.exitCode === null;
    holder.stdin.write("go\n");
    await holderOut("released");
    const r = await cli.result;
    expect({ stillRunning, code: r.code, stderr: r.stderr }).toEqual({ stillRunning: true, code: 0, stderr: "" });
    expect((await login("locked.out", "new-password-2")).status).toBe(200);
  }, 90_000);

  it("test exits 1 with the error code and message when the test fails, without printing the secret", async () => {
    const other = await startArr({ app: "Radarr", apiKey: "radarr-right-key" });
    try {
      const created = await s.admin.integration.create.mutate({ name: "Radarr", kind: "radarr", url: other.url, secrets: [{ kind: "apiKey", value: "radarr-right-key" }] });
      expect(created).toHaveProperty("id");
      // The service goes away behind Patchbay's back.
      await other.close();
      const r = await runCli(["test", "Radarr"], envOf(s.deps.config));
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAILED\s+Radarr \(radarr, .*\): CONNECTION_REFUSED — /);
      expect(r.stdout + r.stderr).not.toContain("radarr-right-key");
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it("test refuses an unknown integration and an ambiguous name, naming the candidates", async () => {
    const missing = await runCli(["test", "no-such-thing"], envOf(s.deps.config));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no integration with the id or name "no-such-thing"/);
    const twin = await s.admin.integration.create.mutate({ name: "Living Room Sonarr", kind: "sonarr", url: sonarr.url + "/", secrets: [{ kind: "apiKey", value: KEY }] });
    const ambiguous = await runCli(["test", "Living Room Sonarr"], envOf(s.deps.config));
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/2 integrations are named "Living Room Sonarr"; use the id/);
    expect(ambiguous.stderr).toContain(sonarrId);
    await s.admin.integration.delete.mutate({ id: (twin as { id: string }).id });
  });
});
