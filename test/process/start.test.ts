import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/api/root.js";
import { available as qbAvailable, startQbittorrent, type RealQbittorrent } from "../../src/kinds/qbittorrent/real.js";
import { freePort, npmStart, waitHealthy, type RunningProcess } from "../helpers/process.js";
import { serverPid } from "../reliability/helpers.js";

/** The README's start command as a real process, and the seed's snippets run against it over HTTP. */
let dataDir: string;
let proc: RunningProcess;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-process-"));
  proc = await npmStart({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_ADMIN_USERNAME: "owner", PATCHBAY_ADMIN_PASSWORD: "owner-password-1" });
  await waitHealthy(proc);
}, 60_000);
afterAll(async () => {
  await proc?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function apiClient(url: string, username: string, password: string) {
  const login = await fetch(`${url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username, password } }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const cookieClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson, headers: { cookie } })] });
  const { token } = await cookieClient.auth.createApiKey.mutate({ name: "seed-snippets" });
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson, headers: { ApiKey: token } })] });
}

describe("npm start on an empty data directory", () => {
  it("answers /api/health, creates the first admin from the environment and a 0600 key file", async () => {
    const res = await fetch(`${proc.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(fs.existsSync(path.join(dataDir, "patchbay.db"))).toBe(true);
    expect(fs.statSync(path.join(dataDir, "secret.key")).mode & 0o777).toBe(0o600);
    const api = await apiClient(proc.url, "owner", "owner-password-1");
    expect((await api.auth.session.query())?.user.permissions).toContain("admin");
  });

  it("refuses to start with a different encryption key, saying why", async () => {
    const other = await npmStart({ PATCHBAY_DATA_DIR: dataDir, SECRET_ENCRYPTION_KEY: "ab".repeat(32), PORT: String(await freePort()) });
    const code = await other.exited;
    expect(code).toBe(2);
    expect(other.output()).toMatch(/not the key this database was encrypted with/);
    const malformed = await npmStart({ PATCHBAY_DATA_DIR: dataDir, SECRET_ENCRYPTION_KEY: "short" });
    expect(await malformed.exited).toBe(2);
    expect(malformed.output()).toMatch(/64 hexadecimal characters/);
  });

  it("refuses a weak PATCHBAY_ADMIN_PASSWORD on an empty instance, saying why; ignores it once users exist", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pb-process-weak-"));
    try {
      for (const [password, message] of [
        ["letmein", /PATCHBAY_ADMIN_PASSWORD must be at least 10 characters/],
        ["1234567890", /PATCHBAY_ADMIN_PASSWORD is one of the 10,000 most common passwords/],
        ["Owner.Name.1", /PATCHBAY_ADMIN_PASSWORD must not be the username/],
      ]) {
        const weak = await npmStart({ PATCHBAY_DATA_DIR: empty, PATCHBAY_ADMIN_USERNAME: "owner.name.1", PATCHBAY_ADMIN_PASSWORD: password as string });
        expect(await weak.exited).toBe(2);
        expect(weak.output()).toMatch(/Patchbay cannot start: /);
        expect(weak.output()).toMatch(message as RegExp);
        expect(weak.output()).not.toContain(password as string);
      }
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    // The instance of this file has its admin: an old weak value in the environment changes nothing there.
    const again = await npmStart({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_ADMIN_USERNAME: "owner", PATCHBAY_ADMIN_PASSWORD: "letmein" });
    try {
      await waitHealthy(again);
    } finally {
      await again.stop();
    }
  }, 120_000);
});

describe.skipIf(!qbAvailable())("the seed's snippets against a real qBittorrent", () => {
  let qb: RealQbittorrent;
  beforeAll(async () => {
    qb = await startQbittorrent();
  }, 60_000);
  afterAll(() => qb?.stop());

  it("create, update with null, permissions, byIds, byId, rotate, delete — as the seed describes", async () => {
    const api = await apiClient(proc.url, "owner", "owner-password-1");
    const secrets = [
      { kind: "username" as const, value: qb.username },
      { kind: "password" as const, value: qb.password },
    ];
    // Create: success returns {id}.
    const result = await api.integration.create.mutate({ name: "Home qBittorrent", kind: "qBittorrent", url: qb.url, secrets });
    expect(result).toEqual({ id: expect.any(String) });
    const id = (result as { id: string }).id;

    // Failures return {error} with the seed's codes.
    const wrong = await api.integration.create.mutate({
      name: "Wrong",
      kind: "qBittorrent",
      url: qb.url,
      secrets: [secrets[0]!, { kind: "password", value: "not-the-password" }],
    });
    expect("error" in wrong && wrong.error.code).toBe("INVALID_CREDENTIALS");
    const closed = await api.integration.create.mutate({ name: "Closed", kind: "qBittorrent", url: `http://127.0.0.1:${await freePort()}`, secrets });
    expect("error" in closed && closed.error.code).toBe("CONNECTION_REFUSED");

    // Update with value null keeps the secret (the test passes with the stored password).
    const updated = await api.integration.update.mutate({
      id,
      name: "Renamed qBittorrent",
      url: qb.url,
      secrets: [
        { kind: "username", value: null },
        { kind: "password", value: null },
      ],
    });
    expect(updated).toEqual({ id });

    // Permissions saved and read back.
    const user = await api.user.create.mutate({ username: "family", password: "family-password" });
    const group = await api.group.create.mutate({ name: "family" });
    await api.integration.saveUserIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: user.id, permission: "use" }] });
    await api.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: group.id, permission: "interact" }] });
    const perms = await api.integration.getIntegrationPermissions.query({ id });
    expect(perms.users).toEqual([{ user: expect.objectContaining({ id: user.id }), permission: "use" }]);
    expect(perms.groups).toEqual([{ group: { id: group.id, name: "family" }, permission: "interact" }]);

    // byIds is public and returns only id and kind.
    const anonymous = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${proc.url}/api/trpc`, transformer: superjson })] });
    expect(await anonymous.integration.byIds.query([id, "integration-id-2"])).toEqual([{ id, kind: "qBittorrent" }]);

    // byId hides private secret values, shows public ones, with Dates.
    const integration = await api.integration.byId.query({ id });
    expect(integration).toMatchObject({ id, name: "Renamed qBittorrent", kind: "qBittorrent", url: qb.url, app: null });
    expect(integration.secrets).toEqual([
      { kind: "password", value: null, updatedAt: expect.any(Date) },
      { kind: "username", value: qb.username, updatedAt: expect.any(Date) },
    ]);

    // "Rotate Integration Credentials": a wrong new credential is refused and nothing changes.
    const rotate = await api.integration.update.mutate({
      id: integration.id,
      name: integration.name,
      url: integration.url,
      secrets: [secrets[0]!, { kind: "password", value: "rotated-but-wrong" }],
    });
    expect("error" in rotate && rotate.error.code).toBe("INVALID_CREDENTIALS");
    expect((await api.integration.testConnection.mutate({ id })).ok).toBe(true);

    // Delete.
    await api.integration.delete.mutate({ id });
    await expect(api.integration.byId.query({ id })).rejects.toThrow("Integration not found");
  });
});

describe("stopping npm start", () => {
  it("SIGTERM: exit 0 within seconds, SQLite checkpointed (no WAL left), one clean shutdown line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-stop-"));
    try {
      const p = await npmStart({ PATCHBAY_DATA_DIR: dir, PATCHBAY_ADMIN_USERNAME: "owner", PATCHBAY_ADMIN_PASSWORD: "owner-password-1" });
      await waitHealthy(p);
      const wal = path.join(dir, "patchbay.db-wal");
      expect(fs.statSync(wal).size).toBeGreaterThan(0); // migrations and the first admin are in the log, not yet in the file
      const pid = serverPid(p)!;
      expect(pid).toBeGreaterThan(0);
      const started = Date.now();
      // Twice, as under `npm start` a terminal's Ctrl-C is (the tty's process group, and npm forwarding it).
      process.kill(pid, "SIGTERM");
      process.kill(pid, "SIGTERM");
      expect(await p.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(p.output().match(/"msg":"shut down cleanly"/g)).toHaveLength(1);
      expect(fs.statSync(wal, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
