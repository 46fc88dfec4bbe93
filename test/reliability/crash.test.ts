import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeServer, sendJson, type FakeServer } from "../../src/kinds/testing/server.js";
import { killHard, sleep, startProcess, tempDir } from "./helpers.js";

/**
 * Crash consistency: `npm start` on SQLite is killed with SIGKILL (the whole process group) while 32 clients
 * create integrations (one- and two-secret kinds), replace their secrets, rename them and replace their
 * permissions. After a restart on the same data dir:
 *   - every acknowledged create is there, every acknowledged rename or a later in-flight one;
 *   - every integration is whole: its secret kinds are exactly one of its kind's secret options, the secrets
 *     decrypt (a connection test by id sends them to the emulator, which checks them), and its creator's
 *     `full` row is present (every permission save in the workload keeps it);
 *   - nothing half-written exists: no secret or permission row without its integration, no integration
 *     without secrets, and `PRAGMA integrity_check` is ok.
 * Repeated RELIABILITY_CRASH_ROUNDS times (default 4) on the same data, so damage would accumulate.
 */
const ROUNDS = Number(process.env.RELIABILITY_CRASH_ROUNDS || 4);
const CLIENTS = 32;

let dataDir: string;
let sonarr: FakeServer;
let qb: FakeServer;

beforeAll(async () => {
  dataDir = tempDir("patchbay-crash-");
  // Accept any key of the workload and nothing else: a secret that decrypts to garbage fails the test.
  sonarr = await startFakeServer((req, res) => {
    const key = String(req.headers["x-api-key"] ?? "");
    if (!key.startsWith("crash-key-")) return void res.writeHead(401).end();
    if (req.url === "/api") return sendJson(res, 200, { current: "v3", deprecated: [] });
    return sendJson(res, 200, { appName: "Sonarr", version: "4.0.14.2939" });
  });
  qb = await startFakeServer((req, res) => {
    if (req.url === "/api/v2/auth/login") {
      const form = new URLSearchParams(req.body);
      const ok = form.get("username") === "crash-user" && (form.get("password") ?? "").startsWith("crash-pw-");
      res.writeHead(200, ok ? { "set-cookie": "SID=abc; HttpOnly; path=/" } : {});
      return void res.end(ok ? "Ok." : "Fails.");
    }
    if (req.url === "/api/v2/app/version") return void res.writeHead(req.headers.cookie?.includes("SID=abc") ? 200 : 403).end("v4.6.0");
    res.writeHead(200).end("Ok.");
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([sonarr?.close(), qb?.close()]);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Known {
  kind: "sonarr" | "qBittorrent";
  /** The name verified after the last restart (or acknowledged by the create). */
  name: string;
  /** Names of renames sent since then (acknowledged or in flight at the kill): any of them may be last. */
  renames: Set<string>;
  /** A rename was acknowledged: the old name must be gone. */
  renameAcked: boolean;
}

describe("crash consistency", () => {
  it(`kill -9 during concurrent writes, ${ROUNDS} rounds: every integration whole, nothing half-written, no acknowledged write lost`, async () => {
    const known = new Map<string, Known>();
    const summary: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const server = await startProcess(dataDir, { PATCHBAY_TEST_TIMEOUT_MS: "5000", LOG_LEVEL: "warn" });
      const api = server.client;
      const adminId = (await api.auth.session.query())!.user.id;
      let users = (await api.user.list.query()).map((u: { id: string }) => u.id).filter((id: string) => id !== adminId);
      if (users.length < 4) {
        for (let i = users.length; i < 4; i++) users.push((await api.user.create.mutate({ username: `crashuser${i}`, password: "crash-password-1" })).id);
      }

      // ---- the workload, killed in the middle ----
      let killed = false;
      let acked = 0;
      let n = 0;
      const worker = async (w: number) => {
        while (!killed) {
          const ids = [...known.keys()];
          const r = Math.random();
          const tag = `r${round}-w${w}-${n++}`;
          try {
            if (r < 0.45 || ids.length < 10) {
              const kind = Math.random() < 0.5 ? "sonarr" : "qBittorrent";
              const secrets =
                kind === "sonarr"
                  ? [{ kind: "apiKey" as const, value: `crash-key-${tag}` }]
                  : [
                      { kind: "username" as const, value: "crash-user" },
                      { kind: "password" as const, value: `crash-pw-${tag}` },
                    ];
              const res = await api.integration.create.mutate({ name: `c-${tag}`, kind, url: kind === "sonarr" ? sonarr.url : qb.url, secrets });
              if ("id" in res) {
                known.set(res.id, { kind, name: `c-${tag}`, renames: new Set(), renameAcked: false });
                acked++;
              }
            } else if (r < 0.8) {
              const id = ids[Math.floor(Math.random() * ids.length)]!;
              const k = known.get(id)!;
              const name = `u-${tag}`;
              const secrets =
                k.kind === "sonarr"
                  ? [{ kind: "apiKey" as const, value: `crash-key-${tag}` }]
                  : [
                      { kind: "username" as const, value: null },
                      { kind: "password" as const, value: `crash-pw-${tag}` },
                    ];
              k.renames.add(name);
              const res = await api.integration.update.mutate({ id, name, url: k.kind === "sonarr" ? sonarr.url : qb.url, secrets });
              if ("id" in res) {
                k.renameAcked = true;
                acked++;
              }
            } else {
              const id = ids[Math.floor(Math.random() * ids.length)]!;
              const permissions: { principalId: string; permission: "use" | "interact" | "full" }[] = [{ principalId: adminId, permission: "full" }];
              for (const u of users) if (Math.random() < 0.5) permissions.push({ principalId: u, permission: (["use", "interact", "full"] as const)[Math.floor(Math.random() * 3)]! });
              await api.integration.saveUserIntegrationPermissions.mutate({ entityId: id, permissions });
              acked++;
            }
          } catch (e) {
            if (!killed) throw e;
          }
        }
      };
      const running = Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
      await sleep(700 + Math.random() * 1800);
      killed = true;
      await killHard(server.proc);
      await running;

      // ---- restart on the same data dir and check ----
      const again = await startProcess(dataDir, { PATCHBAY_TEST_TIMEOUT_MS: "5000", LOG_LEVEL: "warn" });
      try {
        const api2 = again.client;
        const listed = await api2.integration.all.query();
        const kinds = new Map((await api2.integration.getKinds.query()).map((k: { kind: string; secretOptions: string[][] }) => [k.kind, k.secretOptions]));
        const present = new Set(listed.map((i) => i.id));
        // No acknowledged create was lost; an acknowledged rename (or a later in-flight one) survived.
        for (const [id, k] of known) {
          expect(present.has(id), `acknowledged create ${id} lost`).toBe(true);
          const item = listed.find((i) => i.id === id)!;
          const allowed = k.renameAcked ? [...k.renames] : [k.name, ...k.renames];
          expect(allowed, `name of ${id}`).toContain(item.name);
          Object.assign(k, { name: item.name, renames: new Set(), renameAcked: false });
        }
        // Creates in flight at the kill may have committed; they must be whole like the rest.
        for (const item of listed) {
          if (!known.has(item.id)) known.set(item.id, { kind: item.kind as Known["kind"], name: item.name, renames: new Set(), renameAcked: false });
        }

        // Whole: secrets match an option of the kind and decrypt (the emulators accept only workload values).
        const queue = [...listed];
        const failures: string[] = [];
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let item = queue.pop(); item; item = queue.pop()) {
              const detail = await api2.integration.byId.query({ id: item.id });
              const secretKinds = detail.secrets.map((x) => x.kind).sort();
              const options = kinds.get(item.kind)!.map((o) => [...o].sort().join(","));
              if (!options.includes(secretKinds.join(","))) failures.push(`${item.id}: secrets ${secretKinds} not an option of ${item.kind}`);
              const test = await api2.integration.testConnection.mutate({ id: item.id });
              if (!test.ok) failures.push(`${item.id} (${item.kind}): connection test by id failed: ${JSON.stringify(test.error)}`);
            }
          }),
        );
        expect(failures).toEqual([]);

        // Nothing half-written, read straight from the file (WAL readers run next to the server).
        const db = new Database(path.join(dataDir, "patchbay.db"), { readonly: true, fileMustExist: true });
        try {
          const all = (q: string) => db.prepare(q).all() as Record<string, unknown>[];
          expect(all("pragma integrity_check")).toEqual([{ integrity_check: "ok" }]);
          expect(all("pragma foreign_key_check")).toEqual([]);
          expect(all("select integration_id from integration_secrets where integration_id not in (select id from integrations)")).toEqual([]);
          expect(all("select integration_id from integration_user_permissions where integration_id not in (select id from integrations)")).toEqual([]);
          expect(all("select integration_id from integration_group_permissions where integration_id not in (select id from integrations)")).toEqual([]);
          expect(all("select id from integrations where id not in (select integration_id from integration_secrets)")).toEqual([]);
          expect(
            all(
              "select id from integrations i where not exists (select 1 from integration_user_permissions p where p.integration_id = i.id and p.user_id = i.created_by and p.level = 3)",
            ),
          ).toEqual([]);
          expect(all("select count(*) as n from integrations")).toEqual([{ n: listed.length }]);
        } finally {
          db.close();
        }
        summary.push(`round ${round}: ${acked} acknowledged writes before the kill, ${listed.length} integrations whole after restart`);
      } finally {
        await again.proc.stop();
      }
    }
    console.log(`crash: ${summary.join("; ")}`);
    expect(known.size).toBeGreaterThan(ROUNDS * 10);
  }, 600_000);
});
