import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/api/root.js";
import { freshDatabase } from "../helpers/database.js";
import { npmStart, waitHealthy, type RunningProcess } from "../helpers/process.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";

/**
 * Two Patchbay processes × 32 concurrent clients creating, updating and deleting integrations and their
 * permissions for CONCURRENCY_SECONDS (default 30) on one PostgreSQL or MariaDB: no 500, no lost write.
 */
const SECONDS = Number(process.env.CONCURRENCY_SECONDS || 30);
const CLIENTS = 32;
const servers = [
  ["PostgreSQL", process.env.PG_URL],
  ["MariaDB", process.env.MYSQL_URL],
] as const;
for (const [name, url] of servers) {
  if (!url) console.warn(`\n*** SKIPPED: concurrency test on ${name}: set ${name === "PostgreSQL" ? "PG_URL" : "MYSQL_URL"} (scripts/*-start.sh) ***\n`);
}

for (const [name, serverUrl] of servers) {
  describe.skipIf(!serverUrl)(`concurrent writers on ${name}`, () => {
    let procs: RunningProcess[] = [];
    let db: Awaited<ReturnType<typeof freshDatabase>>;
    let sonarr: ArrEmulator;
    const dirs: string[] = [];

    beforeAll(async () => {
      [db, sonarr] = await Promise.all([freshDatabase(serverUrl), startArr({ app: "Sonarr", apiKey: "conc-key" })]);
      procs = await Promise.all(
        ["a", "b"].map((n) => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pb-conc-${n}-`));
          dirs.push(dir);
          return npmStart({
            DATABASE_URL: db.url!,
            PATCHBAY_DATA_DIR: dir,
            SECRET_ENCRYPTION_KEY: "6a".repeat(32),
            PATCHBAY_ADMIN_USERNAME: "admin",
            PATCHBAY_ADMIN_PASSWORD: "admin-password-1",
            LOG_LEVEL: "warn",
          });
        }),
      );
      await Promise.all(procs.map((p) => waitHealthy(p)));
    }, 90_000);
    afterAll(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await Promise.all([db?.drop(), sonarr?.close()]);
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it(`2 processes × ${CLIENTS} clients for ${SECONDS} s lose no write and answer no 500`, { timeout: (SECONDS + 60) * 1000 }, async () => {
      const login = await fetch(`${procs[0]!.url}/api/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { username: "admin", password: "admin-password-1" } }),
      });
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const boot = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${procs[0]!.url}/api/trpc`, transformer: superjson, headers: { cookie } })] });
      const { token } = await boot.auth.createApiKey.mutate({ name: "load" });
      const users = await Promise.all([0, 1, 2, 3].map((i) => boot.user.create.mutate({ username: `load${i}`, password: "load-password" })));
      const groups = await Promise.all([0, 1].map((i) => boot.group.create.mutate({ name: `loadgroup${i}` })));
      // A few integrations every worker fights over (permission replace-all from both processes at once).
      const shared: string[] = [];
      for (let k = 0; k < 3; k++) {
        const res = await boot.integration.create.mutate({ name: `shared${k}`, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "conc-key" }] });
        shared.push((res as { id: string }).id);
      }

      const created = new Set<string>();
      const deleted = new Set<string>();
      const failures: string[] = [];
      const counts = { create: 0, update: 0, delete: 0, perms: 0, read: 0 };
      const deadline = Date.now() + SECONDS * 1000;

      const worker = async (w: number) => {
        const api = createTRPCClient<AppRouter>({
          links: [httpLink({ url: `${procs[w % 2]!.url}/api/trpc`, transformer: superjson, headers: { ApiKey: token } })],
        });
        const mine: string[] = [];
        let i = 0;
        while (Date.now() < deadline) {
          i++;
          const op = i % 6;
          try {
            if (op === 0 || mine.length < 2) {
              const res = await api.integration.create.mutate({ name: `w${w}-${i}`, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: "conc-key" }] });
              if (!("id" in res)) throw new Error(`create failed: ${JSON.stringify(res)}`);
              created.add(res.id);
              mine.push(res.id);
              counts.create++;
            } else if (op === 1) {
              const id = mine[i % mine.length]!;
              const res = await api.integration.update.mutate({ id, name: `w${w}-${i}-u`, url: sonarr.url, secrets: [{ kind: "apiKey", value: "conc-key" }] });
              if (!("id" in res)) throw new Error(`update failed: ${JSON.stringify(res)}`);
              counts.update++;
            } else if (op === 2) {
              const id = mine.shift()!;
              await api.integration.delete.mutate({ id });
              deleted.add(id);
              counts.delete++;
            } else if (op === 3) {
              const id = mine[i % mine.length]!;
              await api.integration.saveUserIntegrationPermissions.mutate({
                entityId: id,
                permissions: users.slice(0, 1 + (i % 4)).map((u, k) => ({ principalId: u.id, permission: (["use", "interact", "full"] as const)[k % 3]! })),
              });
              counts.perms++;
            } else if (op === 4) {
              const id = shared[(w + i) % shared.length]!;
              await api.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: groups.map((g) => ({ principalId: g.id, permission: "use" as const })) });
              counts.perms++;
            } else {
              await api.integration.all.query();
              counts.read++;
            }
          } catch (e) {
            const status = e instanceof TRPCClientError ? (e.data as { httpStatus?: number })?.httpStatus : undefined;
            failures.push(`worker ${w} op ${op}: ${status ?? ""} ${(e as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));

      const admin = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${procs[1]!.url}/api/trpc`, transformer: superjson, headers: { ApiKey: token } })] });
      const all = await admin.integration.all.query();
      const expected = [...created, ...shared].filter((id) => !deleted.has(id)).sort();
      console.log(`${name}: ${JSON.stringify(counts)} in ${SECONDS} s, ${failures.length} failures`, failures.slice(0, 5));
      expect(failures).toEqual([]);
      expect(all.map((i) => i.id).sort()).toEqual(expected);
      // Every surviving integration is whole: its secret and the creator's permission row exist.
      const perms = await Promise.all(expected.slice(0, 50).map((id) => admin.integration.byId.query({ id })));
      for (const p of perms) expect(p.secrets.map((s) => s.kind)).toEqual(["apiKey"]);
      // The contested rows are exactly one consistent replace-all result.
      for (const id of shared) {
        const p = await admin.integration.getIntegrationPermissions.query({ id });
        expect(p.groups.map((g) => g.group.id).sort()).toEqual(groups.map((g) => g.id).sort());
      }
      expect(counts.create).toBeGreaterThan(CLIENTS);
      expect(counts.delete).toBeGreaterThan(0);
    });
  });
}
