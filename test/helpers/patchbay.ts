import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from "@trpc/client";
import pino from "pino";
import superjson from "superjson";
import type { AppRouter } from "../../src/api/root.js";
import { loadConfig, type Config } from "../../src/config.js";
import { buildApp } from "../../src/server/app.js";
import { createDeps } from "../../src/server/start.js";
import type { Deps } from "../../src/services/deps.js";
import type { GlobalPermission } from "../../src/auth/permissions.js";
import { freshDatabase } from "./database.js";

export type Client = ReturnType<typeof makeClient>;

export function makeClient(baseUrl: string, headers: Record<string, string> = {}, batch = true) {
  const link = batch ? httpBatchLink({ url: `${baseUrl}/api/trpc`, transformer: superjson, headers: () => headers, maxItems: 20 }) : httpLink({ url: `${baseUrl}/api/trpc`, transformer: superjson, headers: () => headers });
  return createTRPCClient<AppRouter>({ links: [link] });
}

/** A real Patchbay on a random loopback port, with its own data dir and captured logs. */
export interface TestServer {
  url: string;
  deps: Deps;
  dataDir: string;
  logs: string[];
  admin: Client;
  adminId: string;
  anonymous: Client;
  /** A new user with the given global permissions (through a group of their own) and a client that acts as them. */
  user(perms?: GlobalPermission[], name?: string): Promise<{ id: string; username: string; client: Client; apiKey: string }>;
  close(): Promise<void>;
}

let counter = 0;

export async function startPatchbay(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-test-"));
  const database = await freshDatabase();
  const config: Config = {
    ...loadConfig({}),
    host: "127.0.0.1",
    port: 0,
    dataDir,
    adminUsername: "admin",
    adminPassword: "admin-password-1",
    testTimeoutMs: 5_000,
    logLevel: "info",
    databaseUrl: database.url,
    ...overrides,
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const deps = await createDeps(config, pino({ level: "debug" }, sink));
  const app = await buildApp(deps);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  const anonymous = makeClient(url);
  const login = async (username: string, password: string) => {
    const res = await fetch(`${url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username, password } }),
    });
    if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    return makeClient(url, { cookie });
  };
  const adminCookie = await login(config.adminUsername!, config.adminPassword!);
  const adminKey = await adminCookie.auth.createApiKey.mutate({ name: "tests" });
  const admin = makeClient(url, { ApiKey: adminKey.token });
  const adminId = (await admin.auth.session.query())!.user.id;

  return {
    url,
    deps,
    dataDir,
    logs,
    admin,
    adminId,
    anonymous,
    async user(perms = [], name) {
      const username = name ?? `user${++counter}_${Math.random().toString(36).slice(2, 7)}`;
      const password = `pw-${username}-secret`;
      const { id } = await admin.user.create.mutate({ username, password });
      if (perms.length) {
        const group = await admin.group.create.mutate({ name: `g-${username}` });
        await admin.group.savePermissions.mutate({ groupId: group.id, permissions: perms });
        await admin.group.addMember.mutate({ groupId: group.id, userId: id });
      }
      const cookieClient = await login(username, password);
      const key = await cookieClient.auth.createApiKey.mutate({ name: "tests" });
      return { id, username, client: makeClient(url, { ApiKey: key.token }), apiKey: key.token };
    },
    async close() {
      await app.close();
      await deps.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The tRPC error code of a failed call (e.g. "NOT_FOUND"), for assertions. */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; httpStatus: number; data: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCClientError) {
      const data = e.data as { code: string; httpStatus: number };
      return { code: data?.code, message: e.message, httpStatus: data?.httpStatus, data };
    }
    throw e;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
